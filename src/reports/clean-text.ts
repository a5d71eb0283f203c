/** ANSI escape sequences: CSI (colours, cursor moves), OSC (titles, hyperlinks) and lone ESC pairs. */
const ANSI_PATTERN =
  // eslint-disable-next-line no-control-regex -- matching escape codes is the point
  /\u001b\[[0-?]*[ -/]*[@-~]|\u009b[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** Everything outside XML 1.0's `Char` production, lone surrogates included (the `u` flag sees them). */
const NON_XML_CHAR_PATTERN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Removes ANSI escape sequences, e.g. the colours of a terminal log line. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

/**
 * Makes text safe for an XML 1.0 document or an HTML page: ANSI escapes and characters XML
 * cannot carry (NUL, other C0 controls but tab/newline/CR, U+FFFE/U+FFFF, lone surrogates) go.
 */
export function cleanText(text: string): string {
  return stripAnsi(text).replace(NON_XML_CHAR_PATTERN, '');
}
