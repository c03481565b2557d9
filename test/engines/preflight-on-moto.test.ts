/**
 * `tripstream preflight` as a user runs it (the package bin, a child process on this Node), against an account
 * with nothing bootstrapped: moto's server, reached through AWS_ENDPOINT_URL for every service. It must say
 * the bootstrap is missing and exit non-zero, with no stack trace. What moto does not implement is reported
 * as could-not-check, never as a crash.
 */
import path from 'node:path';
import type { PreflightReport } from '../../ops/preflight/preflight';
import { type MotoServer, startMoto, stopMoto } from '../support/moto-server';
import { checkPythonTool, describeWithPythonTool, type ProcessResult, REPOSITORY_ROOT, runProcess } from '../support/python-tools';

jest.setTimeout(180_000);

const moto = checkPythonTool('moto', 'moto_server');
const PREFLIGHT_TIMEOUT_MS = 150_000;
/** A V8 stack frame: `    at fn (file:line:column)` or `    at file:line:column`. */
const STACK_FRAME = /^\s+at .*:\d+:\d+\)?$/m;

describeWithPythonTool('tripstream preflight against moto_server, an account with nothing bootstrapped', moto, () => {
  let server: MotoServer | undefined;
  let text: ProcessResult;
  let json: ProcessResult;

  beforeAll(async () => {
    server = await startMoto();
    // Only what a user's shell would give it: no developer credentials, no profile.
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'mototest',
      AWS_SECRET_ACCESS_KEY: 'mototest',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const bin = path.join(REPOSITORY_ROOT, 'bin', 'tripstream.mjs');
    [text, json] = await Promise.all([
      runProcess(process.execPath, [bin, 'preflight', '--env', 'dev'], { env, timeoutMs: PREFLIGHT_TIMEOUT_MS }),
      runProcess(process.execPath, [bin, 'preflight', '--env', 'prod', '--json'], { env, timeoutMs: PREFLIGHT_TIMEOUT_MS }),
    ]);
  });

  afterAll(() => stopMoto(server));

  it('names the missing bootstrap of the environment qualifier, with its fix, and exits non-zero', () => {
    // Assess
    expect([1, 3]).toContain(text.code);
    expect(text.stdout).toMatch(/^credentials and region +pass +.* in account \d{12}, region eu-west-1$/m);
    expect(text.stdout).toMatch(/^CDK bootstrap \(qualifier hnb659fds\) +FAIL +.*no SSM parameter \/cdk-bootstrap\/hnb659fds\/version$/m);
    expect(text.stdout).toMatch(/^ +fix: npx cdk bootstrap aws:\/\/\d{12}\/eu-west-1 --qualifier hnb659fds /m);
    expect(text.stdout).toMatch(/^not ready: \d+ checks? failed: .*CDK bootstrap \(qualifier hnb659fds\)/m);
  });

  it('prints no stack trace, on stdout or stderr', () => {
    // Assess
    expect(text.stdout).not.toMatch(STACK_FRAME);
    expect(text.stderr).not.toMatch(STACK_FRAME);
    expect(json.stderr).not.toMatch(STACK_FRAME);
  });

  it('reports the same finding as JSON, its exit code that of the process', () => {
    // Assess
    const report = JSON.parse(json.stdout) as PreflightReport;
    expect(report).toMatchObject({ env: 'prod', region: 'eu-west-1', exitCode: json.code });
    expect([1, 3]).toContain(json.code);
    expect(report.checks.find((check) => check.id === 'cdk-bootstrap')).toMatchObject({
      status: 'fail',
      title: 'CDK bootstrap (qualifier tsprod)',
    });
    expect(report.checks.find((check) => check.id === 'cdk-bootstrap')?.fix).toContain(
      '--qualifier tsprod --toolkit-stack-name CDKToolkit-tsprod',
    );
  });
});
