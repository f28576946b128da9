// awscli, knowing nothing of botctl: a second opinion on what is really in a bucket. Whichever `aws`
// on PATH works (Debian's package in CI, .ci/install-ceph.sh); outside CI, tests skip without one.
import { execa } from 'execa';
import type { S3Access } from './s3-server.js';
import { findTool, type Tool } from './tools.js';

/** Only these settings: no ~/.aws config or credentials, no instance metadata look-ups, no pager. */
function awsEnvironment(access?: S3Access): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    ...(access && {
      AWS_ACCESS_KEY_ID: access.accessKeyId,
      AWS_SECRET_ACCESS_KEY: access.secretAccessKey,
      AWS_DEFAULT_REGION: access.region,
    }),
  };
}

export const awsCli: Tool = await findTool('aws', ['--version'], awsEnvironment());

/** Runs `aws ARGS --endpoint-url …` against the bucket's server; stdout byte for byte (final newline kept). */
export async function aws(access: S3Access, args: string[], encoding: 'utf8' | 'buffer' = 'utf8') {
  if (!awsCli.path) throw new Error(`awscli needed: ${awsCli.reason}`);
  return execa(awsCli.path, [...args, '--endpoint-url', access.endpoint], {
    env: awsEnvironment(access),
    extendEnv: false,
    encoding: encoding === 'buffer' ? 'buffer' : 'utf8',
    stripFinalNewline: false,
    stdin: 'ignore',
    reject: false,
    timeout: 150_000,
  });
}
