// `rclone delete remote:bucket/prefix/` with a remote defined on the fly through environment
// variables (type s3, provider Other, path style, fake keys) and an empty config file, so a
// user's own rclone.conf plays no part. rclone lists, then sends one DeleteObject per key
// with its default concurrency. `-v` logs one `Deleted` line per key, which is how we count.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ObjectRunner, RunnerSkippedError } from '../bench-types.js';
import { rcloneCommand, rcloneVersion, runTool } from '../external-tools.js';

const REMOTE = 'LETHEBENCH';

export const rcloneDelete: ObjectRunner = async (env) => {
  if (!(await rcloneVersion())) {
    throw new RunnerSkippedError('rclone not installed (apt-get install -y rclone)');
  }
  const config = join(env.workDir, 'rclone.conf');
  writeFileSync(config, '');
  // rclone's Go SDK rejects a CA bundle it cannot parse; the proxy is plain HTTP anyway.
  const { AWS_CA_BUNDLE: _bundle, ...inherited } = process.env;
  const childEnv: NodeJS.ProcessEnv = {
    ...inherited,
    [`RCLONE_CONFIG_${REMOTE}_TYPE`]: 's3',
    [`RCLONE_CONFIG_${REMOTE}_PROVIDER`]: 'Other',
    [`RCLONE_CONFIG_${REMOTE}_ENV_AUTH`]: 'false',
    [`RCLONE_CONFIG_${REMOTE}_ACCESS_KEY_ID`]: 'lethelocal',
    [`RCLONE_CONFIG_${REMOTE}_SECRET_ACCESS_KEY`]: 'lethelocal',
    [`RCLONE_CONFIG_${REMOTE}_REGION`]: env.region,
    [`RCLONE_CONFIG_${REMOTE}_ENDPOINT`]: env.endpoints.s3,
    [`RCLONE_CONFIG_${REMOTE}_FORCE_PATH_STYLE`]: 'true',
  };
  const target = `${REMOTE.toLowerCase()}:${env.data.bucket}/${env.data.prefix}`;
  return env.measure(async () => {
    let deleted = 0;
    const run = await runTool(
      rcloneCommand(),
      ['delete', target, '--config', config, '-v', '--stats', '0'],
      {
        env: childEnv,
        onLine: (line) => {
          if (/: Deleted$/.test(line)) deleted++;
        },
      },
    );
    if (run.exitCode !== 0) {
      throw new Error(`rclone delete exited with ${run.exitCode}: ${run.stderrTail}`);
    }
    return deleted;
  });
};
