// The command-line tools users reach for (aws cli, rclone): finding them, reading their
// versions and running them as children that Ctrl-C takes down too. The bench never installs
// them: `apt-get install -y awscli rclone`.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { onShutdown } from './shutdown.js';

export interface ToolRun {
  readonly exitCode: number;
  /** The last lines of stderr, for error messages. */
  readonly stderrTail: string;
}

export interface RunToolOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Called for every line the tool writes (stdout and stderr). */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export function runTool(
  command: string,
  args: readonly string[],
  options: RunToolOptions,
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const unregister = onShutdown(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const tail: string[] = [];
    const stdout = createInterface({ input: child.stdout });
    const stderr = createInterface({ input: child.stderr });
    stdout.on('line', (line) => options.onLine?.(line, 'stdout'));
    stderr.on('line', (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      options.onLine?.(line, 'stderr');
    });
    const closed = Promise.all([
      new Promise((done) => stdout.once('close', done)),
      new Promise((done) => stderr.once('close', done)),
    ]);
    child.once('error', (error) => {
      unregister();
      reject(error);
    });
    child.once('exit', (code, signal) => {
      unregister();
      closed.then(() =>
        resolve({ exitCode: code ?? (signal ? 128 : 1), stderrTail: tail.join('\n') }),
      );
    });
  });
}

const versions = new Map<string, Promise<string | undefined>>();

/** The tool's version line, or undefined when it is not installed. Cached per command. */
export function toolVersion(command: string, args: readonly string[]): Promise<string | undefined> {
  const key = `${command} ${args.join(' ')}`;
  let version = versions.get(key);
  if (!version) {
    version = (async () => {
      const lines: string[] = [];
      try {
        const run = await runTool(command, args, {
          env: process.env,
          onLine: (line) => lines.push(line),
        });
        if (run.exitCode !== 0) return undefined;
        return lines.find((line) => line.trim().length > 0)?.trim();
      } catch {
        return undefined;
      }
    })();
    versions.set(key, version);
  }
  return version;
}

/** The aws cli to run: `LETHE_BENCH_AWS` (a path) or `aws` on PATH. */
export const awsCommand = () => process.env.LETHE_BENCH_AWS ?? 'aws';
/** The rclone to run: `LETHE_BENCH_RCLONE` (a path) or `rclone` on PATH. */
export const rcloneCommand = () => process.env.LETHE_BENCH_RCLONE ?? 'rclone';

export const awsCliVersion = () => toolVersion(awsCommand(), ['--version']);
export const rcloneVersion = () => toolVersion(rcloneCommand(), ['version']);
export const javaVersion = async () => {
  // `java -version` writes to stderr; runTool hands over both streams.
  return toolVersion(process.env.LETHE_JAVA ?? 'java', ['-version']);
};
