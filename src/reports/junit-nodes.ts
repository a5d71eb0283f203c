import { createRequire } from 'node:module';
import type { Builder, TestCase } from 'junit-report-builder';

/** junit-report-builder's node factory (its declarations name the type but do not export it). */
export type JunitFactory = ConstructorParameters<typeof Builder>[0];
/** The `<testsuites>` root node. */
export type JunitTestSuites = ReturnType<JunitFactory['newTestSuites']>;
/** The xmlbuilder element a node builds into. */
export type XmlElement = ReturnType<TestCase['build']>;
type XmlNode = XmlElement['children'][number];

// The package is CommonJS (`module.exports = builder`) while its declarations say
// `export default`: an ESM default import is typed as the module, so require it instead.
const defaultBuilder = createRequire(import.meta.url)('junit-report-builder') as Builder;

/** Its index exports only a ready builder; the Factory class is the one that builder holds. */
function readFactoryClass(builder: Builder): new () => JunitFactory {
  const factory: unknown = Reflect.get(builder, '_factory');
  if (
    typeof factory !== 'object' ||
    factory === null ||
    typeof Reflect.get(factory, 'newTestCase') !== 'function'
  ) {
    throw new Error('junit-report-builder has an unexpected shape (trc is written against 5.1.x)');
  }
  return factory.constructor as new () => JunitFactory;
}

const BaseFactory = readFactoryClass(defaultBuilder);
const BaseTestCase = new BaseFactory().newTestCase().constructor as typeof TestCase;

function isElement(node: XmlNode): node is XmlElement {
  return 'name' in node && 'attribs' in node;
}

/**
 * A `<testcase>` that writes what the Jenkins schema allows and the base class cannot: a
 * message on `<skipped>`, and bodies as escaped text (the base writes CDATA and splits only
 * the first `]]>`, so a log with two of them would break the document).
 */
export class JenkinsTestCase extends BaseTestCase {
  #skipMessage: string | undefined;
  #detail = '';
  #systemOut = '';

  /** Marks the case skipped: `<skipped message="reason"/>`. */
  skippedBecause(reason: string): this {
    this.#skipMessage = reason;
    return this.skipped();
  }

  /** Marks the case failed: `<failure message type>detail</failure>`. */
  failedWith(message: string, type: string, detail: string): this {
    this.#detail = detail;
    return this.failure(message, type);
  }

  /** Marks the case errored (crash, timeout): `<error message type>detail</error>`. */
  erroredWith(message: string, type: string, detail: string): this {
    this.#detail = detail;
    return this.error(message, type);
  }

  /** Sets `<system-out>`. */
  systemOut(text: string): this {
    this.#systemOut = text;
    return this;
  }

  override build(parentElement: XmlElement): XmlElement {
    const element = super.build(parentElement);
    for (const child of element.children) {
      if (!isElement(child)) {
        continue;
      }
      if (child.name === 'skipped' && this.#skipMessage !== undefined) {
        child.att('message', this.#skipMessage);
      }
      if ((child.name === 'failure' || child.name === 'error') && this.#detail !== '') {
        child.txt(this.#detail);
      }
    }
    if (this.#systemOut !== '') {
      element.ele('system-out').txt(this.#systemOut);
    }
    return element;
  }
}

/** The factory trc builds JUnit reports with: the package's own, with Jenkins test cases. */
export class JenkinsJunitFactory extends BaseFactory {
  override newTestCase(): JenkinsTestCase {
    return new JenkinsTestCase();
  }
}

/**
 * Builds the document of a `<testsuites>` tree. The base class writes `skipped` on the root,
 * which the Jenkins schema rejects there (it stays on each `<testsuite>`).
 */
export function renderTestSuites(root: JunitTestSuites): string {
  const element = root.build();
  element.removeAttribute('skipped');
  return element.end({ pretty: true });
}
