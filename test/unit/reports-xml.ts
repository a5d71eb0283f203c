import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The Jenkins JUnit schema the reports must satisfy (the repo's shared folder, next to main/). */
export const JUNIT_SCHEMA = path.resolve(process.cwd(), '../shared/schemas/jenkins-junit-10.xsd');

/** An XML document on disk, queried with xmllint (a real parser, not string matching). */
export interface XmlFile {
  path: string;
  /** Evaluates an XPath expression, e.g. `string(//testsuite[1]/@name)` or `count(//testcase)`. */
  query(xpath: string): string;
  /** Validates against {@link JUNIT_SCHEMA}; throws with xmllint's message when invalid. */
  validate(): void;
}

const dirs: string[] = [];

function runXmllint(args: string[]): string {
  try {
    return execFileSync('xmllint', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`xmllint ${args.join(' ')} failed:\n${stderr}`, { cause: error });
  }
}

export function writeXml(xml: string): XmlFile {
  const dir = mkdtempSync(path.join(tmpdir(), 'trc-junit-'));
  dirs.push(dir);
  const file = path.join(dir, 'junit.xml');
  writeFileSync(file, xml, 'utf8');
  return {
    path: file,
    query: (xpath) => runXmllint(['--xpath', xpath, file]).replace(/\n$/, ''),
    validate: () => {
      runXmllint(['--noout', '--schema', JUNIT_SCHEMA, file]);
    },
  };
}

export function validateJunitFile(file: string): void {
  runXmllint(['--noout', '--schema', JUNIT_SCHEMA, file]);
}

export function removeXmlFiles(): void {
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
}
