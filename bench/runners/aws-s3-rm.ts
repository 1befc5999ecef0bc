// `aws s3 rm --recursive s3://bucket/prefix/` as a user would type it, against the proxy with
// fake credentials from the environment and a throwaway config (path-style addressing). The
// cli lists, then sends one DeleteObject per key, 10 at a time (its default
// max_concurrent_requests). It prints one `delete:` line per key, which is how we count.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ObjectRunner, RunnerSkippedError } from '../bench-types.js';
import { awsCliVersion, awsCommand, runTool } from '../external-tools.js';

export const awsS3Rm: ObjectRunner = async (env) => {
  if (!(await awsCliVersion())) {
    throw new RunnerSkippedError('aws cli not installed (apt-get install -y awscli)');
  }
  const config = join(env.workDir, 'aws-config');
  const credentials = join(env.workDir, 'aws-credentials');
  writeFileSync(config, `[default]\nregion = ${env.region}\ns3 =\n    addressing_style = path\n`);
  writeFileSync(credentials, '');
  const { AWS_PROFILE: _profile, AWS_SESSION_TOKEN: _token, ...inherited } = process.env;
  const childEnv: NodeJS.ProcessEnv = {
    ...inherited,
    AWS_ACCESS_KEY_ID: 'lethelocal',
    AWS_SECRET_ACCESS_KEY: 'lethelocal',
    AWS_DEFAULT_REGION: env.region,
    AWS_REGION: env.region,
    AWS_CONFIG_FILE: config,
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  const target = `s3://${env.data.bucket}/${env.data.prefix}`;
  return env.measure(async () => {
    let deleted = 0;
    const run = await runTool(
      awsCommand(),
      ['s3', 'rm', '--recursive', target, '--endpoint-url', env.endpoints.s3],
      {
        env: childEnv,
        onLine: (line, stream) => {
          if (stream === 'stdout' && line.startsWith('delete: ')) deleted++;
        },
      },
    );
    if (run.exitCode !== 0) {
      throw new Error(`aws s3 rm exited with ${run.exitCode}: ${run.stderrTail}`);
    }
    return deleted;
  });
};
