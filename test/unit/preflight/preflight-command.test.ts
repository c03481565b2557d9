import { GetAccountCommand } from '@aws-sdk/client-api-gateway';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, ParameterNotFound } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { EXIT_CODES, runCommand } from '../../../bin/cli';
import { buildPreflightProgram } from '../../../bin/commands/preflight';
import type { CheckResult } from '../../../ops/preflight/check';
import { READ_ONLY_COMMANDS } from '../../../ops/preflight/clients';
import { preflightExitCode } from '../../../ops/preflight/preflight';
import { ACCOUNT, accessDenied, preflightClients, preflightMocks, REGION, readyAccount, serviceError } from '../../support/preflight';

const mocks = preflightMocks();

interface CliResult {
  code: number;
  out: string;
  err: string;
}

async function preflight(...args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  let code: number = EXIT_CODES.ok;
  const program = buildPreflightProgram({
    clients: preflightClients,
    writeOut: (text) => (out += text),
    setExitCode: (exitCode) => (code = exitCode),
  }).configureOutput({ writeErr: (text) => (err += text), writeOut: (text) => (out += text) });
  const consoleError = jest.spyOn(console, 'error').mockImplementation((text: string) => (err += `${text}\n`));
  process.exitCode = undefined;
  try {
    await runCommand(program, ['node', 'preflight', ...args]);
    return { code: Number(process.exitCode ?? code), out, err };
  } finally {
    process.exitCode = undefined;
    consoleError.mockRestore();
  }
}

/** Every command any mock received, by SDK command name. */
function commandsSent(): string[] {
  return Object.values(mocks).flatMap((mock) => mock.calls().map((call) => (call.args[0] as object).constructor.name));
}

const notBootstrapped = () =>
  mocks.ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'Parameter not found', $metadata: {} }));

beforeEach(() => readyAccount(mocks));

describe('tripstream preflight', () => {
  it('exits 0 and says the environment is ready when every check passes', async () => {
    // Act
    const result = await preflight('--env', 'dev');

    // Assess
    expect(result.code).toBe(EXIT_CODES.ok);
    expect(result.out).toContain(`preflight of dev (stacks tripstream-dev-data,`);
    expect(result.out).toContain(`in account ${ACCOUNT}, region ${REGION}`);
    expect(result.out).toMatch(/^check +status +detail$/m);
    expect(result.out).toContain('ready to deploy dev: every check passed');
    expect(result.out).not.toContain('fix:');
  });

  it('exits 1 naming what failed, each with its fix under it', async () => {
    // Prepare
    notBootstrapped();
    mocks.apiGateway.on(GetAccountCommand).resolves({});

    // Act
    const result = await preflight('--env', 'prod');

    // Assess
    expect(result.code).toBe(EXIT_CODES.incomplete);
    expect(result.out).toMatch(/^CDK bootstrap \(qualifier tsprod\) +FAIL +.*no SSM parameter \/cdk-bootstrap\/tsprod\/version$/m);
    expect(result.out).toMatch(
      /^ +fix: npx cdk bootstrap aws:\/\/123456789012\/eu-west-1 --qualifier tsprod --toolkit-stack-name CDKToolkit-tsprod/m,
    );
    expect(result.out).toContain('not ready: 2 checks failed: CDK bootstrap (qualifier tsprod); API Gateway CloudWatch role');
    expect(result.err).toBe('');
  });

  it('exits 3 when something could not be checked and nothing failed', async () => {
    // Prepare
    mocks.cloudFormation.on(DescribeStacksCommand).rejects(accessDenied('cloudformation:DescribeStacks'));

    // Act
    const result = await preflight('--env', 'dev');

    // Assess
    expect(result.code).toBe(EXIT_CODES.failed);
    expect(result.out).toContain("2 checks could not be made: the environment's stacks; leftovers with fixed names");
  });

  it('exits 3 without credentials, every other check could-not-check, no stack trace', async () => {
    // Prepare
    mocks.sts
      .on(GetCallerIdentityCommand)
      .rejects(serviceError('CredentialsProviderError', 'Could not load credentials from any providers'));

    // Act
    const result = await preflight('--env', 'dev', '--json');

    // Assess
    expect(result.code).toBe(EXIT_CODES.failed);
    const report = JSON.parse(result.out) as { account: unknown; checks: CheckResult[]; exitCode: number };
    expect(report.account).toBeNull();
    expect(report.exitCode).toBe(EXIT_CODES.failed);
    expect(report.checks.map((check) => check.status)).toEqual([
      'fail',
      ...Array<string>(report.checks.length - 1).fill('could-not-check'),
    ]);
    expect(mocks.ssm).not.toHaveReceivedCommand(GetParameterCommand);
    expect(result.err).not.toMatch(/\n\s+at /);
  });

  it('says that nothing was checked when the credentials are missing', async () => {
    // Prepare
    mocks.sts.on(GetCallerIdentityCommand).rejects(serviceError('ExpiredToken', 'The security token included in the request is expired'));

    // Act
    const result = await preflight('--env', 'prod');

    // Assess
    expect(result.code).toBe(EXIT_CODES.failed);
    expect(result.out).toContain('with no usable credentials or region');
    expect(result.out).toMatch(
      /^credentials and region +FAIL +no usable credentials: ExpiredToken: The security token included in the request is expired$/m,
    );
    expect(result.out.trimEnd().split('\n').pop()).toBe('nothing was checked: credentials and region first');
  });

  it('prints one JSON document of a stable shape with --json', async () => {
    // Prepare
    notBootstrapped();

    // Act
    const result = await preflight('--env', 'prod', '--json');

    // Assess
    const report = JSON.parse(result.out) as { env: string; account: string; region: string; checks: CheckResult[]; exitCode: number };
    expect(Object.keys(report)).toEqual(['env', 'account', 'region', 'checks', 'exitCode']);
    expect(report).toMatchObject({ env: 'prod', account: ACCOUNT, region: REGION, exitCode: EXIT_CODES.incomplete });
    expect(report.checks.map((check) => check.id)).toEqual([
      'credentials',
      'cdk-bootstrap',
      'lambda-concurrency',
      'api-gateway-cloudwatch-role',
      'stack-states',
      'leftover-resources',
      'kinesis-limits',
      'emr-serverless',
    ]);
    for (const check of report.checks) expect(Object.keys(check)).toEqual(['id', 'title', 'status', 'detail', 'fix']);
    expect(report.checks.find((check) => check.id === 'cdk-bootstrap')?.status).toBe('fail');
    expect(result.code).toBe(EXIT_CODES.incomplete);
  });

  it.each([
    ['a ready account', () => undefined],
    ['an account with findings', notBootstrapped],
  ])('sends only the listed reads, against %s', async (_name, prepare) => {
    // Prepare
    prepare();

    // Act
    await preflight('--env', 'prod');

    // Assess
    const sent = commandsSent();
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.filter((command) => !READ_ONLY_COMMANDS.has(command))).toEqual([]);
  });

  it.each([
    [[], /required option '--env <env>' not specified/],
    [['--env', 'staging'], /'--env <env>' argument 'staging' is invalid/],
    [['--env', 'dev', 'extra'], /too many arguments/],
    [['--env', 'dev', '--region', 'eu-west-1'], /unknown option '--region'/],
  ])('exits 2 with a clear message for %j, sending nothing', async (args, message) => {
    // Act
    const result = await preflight(...args);

    // Assess
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.err).toMatch(message);
    expect(commandsSent()).toEqual([]);
  });
});

describe("preflight's exit code", () => {
  const check = (id: string, status: CheckResult['status']): CheckResult => ({ id, title: id, status, detail: '', fix: '' });

  it.each([
    ['every check passed', [check('credentials', 'pass'), check('a', 'pass')], EXIT_CODES.ok],
    [
      'a check failed, another could not be made',
      [check('credentials', 'pass'), check('a', 'fail'), check('b', 'could-not-check')],
      EXIT_CODES.incomplete,
    ],
    ['a check could not be made, none failed', [check('credentials', 'pass'), check('a', 'could-not-check')], EXIT_CODES.failed],
    ['the credentials failed', [check('credentials', 'fail'), check('a', 'could-not-check')], EXIT_CODES.failed],
    ['STS did not answer', [check('credentials', 'could-not-check')], EXIT_CODES.failed],
  ])('%s', (_case, checks, expected) => {
    // Act & Assess
    expect(preflightExitCode(checks)).toBe(expected);
  });
});
