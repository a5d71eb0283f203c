import { writeFile } from 'node:fs/promises';

const COLUMNS = [
  ['scenario', 'Scenario'],
  ['baseline', 'Baseline'],
  ['trc', 'trc'],
  ['figure', 'Figure'],
  ['target', 'Target'],
  ['verdict', 'Result'],
];

/** `pass` true/false → PASS/MISS; null → info (a figure with no target). */
export function verdictOf(pass) {
  return pass === null ? 'info' : pass ? 'PASS' : 'MISS';
}

/** The rows as a fixed-width text table. */
export function formatTextTable(rows) {
  const cells = [
    COLUMNS.map(([, title]) => title),
    ...rows.map((row) => COLUMNS.map(([key]) => String(row[key] ?? ''))),
  ];
  const widths = COLUMNS.map((_, index) => Math.max(...cells.map((line) => line[index].length)));
  const lines = cells.map((line) =>
    line
      .map((cell, index) => cell.padEnd(widths[index]))
      .join('  ')
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((width) => '-'.repeat(width)).join('  '));
  return lines.join('\n');
}

/** The rows as a markdown table (columns: [key, title] pairs), padded the way prettier pads them. */
export function formatMarkdownTable(rows, columns = COLUMNS) {
  const escape = (text) => String(text ?? '').replaceAll('|', '\\|');
  const cells = [
    columns.map(([, title]) => title),
    ...rows.map((row) => columns.map(([key]) => escape(row[key]))),
  ];
  const widths = columns.map((_, index) => Math.max(3, ...cells.map((line) => line[index].length)));
  const render = (line) => `| ${line.map((cell, index) => cell.padEnd(widths[index])).join(' | ')} |`;
  return [
    render(cells[0]),
    render(widths.map((width) => '-'.repeat(width))),
    ...cells.slice(1).map(render),
  ].join('\n');
}

/** Format with the repo's prettier when it is installed, so `npm run lint` accepts the results. */
export async function formatWithPrettier(text, filepath) {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(filepath)) ?? {};
    return await prettier.format(text, { ...options, filepath });
  } catch {
    return text;
  }
}

export async function writeFormatted(filepath, text) {
  await writeFile(filepath, await formatWithPrettier(text, filepath));
}
