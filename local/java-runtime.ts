// DynamoDB Local is a Java program: find a Java 17+ runtime or explain, in one line,
// what to install.
import { spawnSync } from 'node:child_process';
import { LocalStackError } from '../lib/errors.js';

export const MINIMUM_JAVA_MAJOR = 17;
const INSTALL_HINT =
  'install Java 17 or newer (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless) or set LETHE_JAVA to a java binary';

/** Reads the major version from `java -version` output ("17.0.15", "1.8.0_392", "21"). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

export function findJava(javaCommand = process.env.LETHE_JAVA ?? 'java'): string {
  const result = spawnSync(javaCommand, ['-version'], { encoding: 'utf8' });
  if (result.error) {
    throw new LocalStackError(`Java was not found ("${javaCommand}"): ${INSTALL_HINT}`);
  }
  const major = parseJavaMajor(`${result.stderr}${result.stdout}`);
  if (major === undefined) {
    throw new LocalStackError(`could not read the version of "${javaCommand}": ${INSTALL_HINT}`);
  }
  if (major < MINIMUM_JAVA_MAJOR) {
    throw new LocalStackError(`Java ${major} is too old for DynamoDB Local: ${INSTALL_HINT}`);
  }
  return javaCommand;
}
