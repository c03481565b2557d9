import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { environments } from '../../lib/config';
import {
  deployRoleOutputKey,
  GithubOidcStack,
  type GithubOidcStackProps,
  githubOidcPropsFromContext,
} from '../../lib/stacks/github-oidc-stack';

const REPOSITORY = 'acme-rides/tripstream';
const EXISTING_PROVIDER_ARN = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

function oidcStackProps(overrides: Partial<GithubOidcStackProps> = {}): GithubOidcStackProps {
  return { repository: REPOSITORY, environments: ['dev', 'prod'], ...overrides };
}

function buildOidcStack(overrides: Partial<GithubOidcStackProps> = {}) {
  const app = new App();
  const stack = new GithubOidcStack(app, 'GithubOidc', oidcStackProps(overrides));
  return { app, stack };
}

function synthOidcTemplate(overrides: Partial<GithubOidcStackProps> = {}): Template {
  return Template.fromStack(buildOidcStack(overrides).stack);
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Renders an intrinsic ARN (`Fn::Join` of strings and `Ref`s) as text, e.g. `arn:${AWS::Partition}:iam::...`. */
function renderIntrinsic(value: Json): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const ref = value['Ref'];
    if (typeof ref === 'string') return `\${${ref}}`;
    const join = value['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) {
      return join[1].map(renderIntrinsic).join(typeof join[0] === 'string' ? join[0] : '');
    }
  }
  throw new Error(`unexpected intrinsic ${JSON.stringify(value)}`);
}

function onlyResourceOfType(template: Template, type: string): { [key: string]: Json } {
  const resources = Object.values(template.findResources(type)) as { [key: string]: Json }[];
  expect(resources).toHaveLength(1);
  const [resource] = resources;
  if (resource === undefined) throw new Error(`no ${type}`);
  return resource;
}

type RoleResource = { Properties: { AssumeRolePolicyDocument: { Statement: Json[] }; [key: string]: Json } };
type PolicyResource = {
  Properties: { Roles: Json[]; PolicyDocument: { Statement: { Effect: string; Action: Json; Resource: Json[] }[] } };
};

/** The deploy role of one environment (logical id DeployRole<Env>). */
function roleOf(template: Template, environment: 'Dev' | 'Prod'): RoleResource {
  const entry = Object.entries(template.findResources('AWS::IAM::Role')).find(([id]) => id.startsWith(`DeployRole${environment}`));
  if (entry === undefined) throw new Error(`no deploy role for ${environment}`);
  return entry[1] as RoleResource;
}

function trustStatements(template: Template, environment: 'Dev' | 'Prod'): Json[] {
  return roleOf(template, environment).Properties.AssumeRolePolicyDocument.Statement;
}

function policyOf(template: Template, environment: 'Dev' | 'Prod'): PolicyResource {
  const entry = Object.entries(template.findResources('AWS::IAM::Policy')).find(([, policy]) =>
    JSON.stringify((policy as PolicyResource).Properties.Roles).includes(`DeployRole${environment}`),
  );
  if (entry === undefined) throw new Error(`no policy for ${environment}`);
  return entry[1] as PolicyResource;
}

function bootstrapRoleArn(kind: string, qualifier = 'hnb659fds'): string {
  return `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/cdk-${qualifier}-${kind}-role-\${AWS::AccountId}-\${AWS::Region}`;
}

describe('GithubOidcStack trust policies', () => {
  it.each([
    ['Dev', 'dev'],
    ['Prod', 'prod'],
  ] as const)('gives the %s deploy role to jobs of that one GitHub environment only, with the STS audience', (role, environment) => {
    // Prepare
    const template = synthOidcTemplate();

    // Act
    const statements = trustStatements(template, role);

    // Assess
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: { Ref: expect.stringMatching(/^GithubOidcProvider/) } },
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': `repo:${REPOSITORY}:environment:${environment}`,
          },
        },
      },
    ]);
  });

  it('never lets a dev job (or any other subject) assume the prod role', () => {
    // Prepare
    const template = synthOidcTemplate();

    // Act
    const prodTrust = JSON.stringify(trustStatements(template, 'Prod'));

    // Assess
    expect(prodTrust).not.toContain(':environment:dev');
    expect(prodTrust).not.toContain(':ref:');
    template.resourceCountIs('AWS::IAM::Role', 2);
  });

  it('contains no wildcard and no pattern-matching condition anywhere in either trust policy', () => {
    // Prepare
    const template = synthOidcTemplate();

    // Act
    const trustText = JSON.stringify([trustStatements(template, 'Dev'), trustStatements(template, 'Prod')]);

    // Assess
    expect(trustText).not.toContain('*');
    expect(trustText).not.toContain('?');
    expect(trustText).not.toMatch(/StringLike|ForAnyValue|ForAllValues/);
  });
});

describe('GithubOidcStack deploy role permissions', () => {
  it.each([
    ['Dev', environments.dev.bootstrapQualifier],
    ['Prod', environments.prod.bootstrapQualifier],
  ] as const)('lets the %s role only assume (and tag sessions of) the four bootstrap roles of its qualifier %s', (role, qualifier) => {
    // Prepare
    const template = synthOidcTemplate();

    // Act
    const statements = policyOf(template, role).Properties.PolicyDocument.Statement;

    // Assess
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Effect).toBe('Allow');
    expect(statements[0]?.Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(statements[0]?.Resource.map(renderIntrinsic)).toEqual([
      bootstrapRoleArn('deploy', qualifier),
      bootstrapRoleArn('file-publishing', qualifier),
      bootstrapRoleArn('image-publishing', qualifier),
      bootstrapRoleArn('lookup', qualifier),
    ]);
  });

  it('targets the bootstrap roles of a custom qualifier for an environment the app does not define', () => {
    // Prepare
    const template = Template.fromStack(buildOidcStack({ environments: ['staging'], bootstrapQualifier: 'trip01' }).stack);

    // Act
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).map((policy) =>
      (policy as PolicyResource).Properties.PolicyDocument.Statement[0]?.Resource.map(renderIntrinsic),
    );

    // Assess
    expect(statements).toEqual([expect.arrayContaining([bootstrapRoleArn('deploy', 'trip01')])]);
  });

  it('keeps dev and prod apart in one account by default: each role assumes only the bootstrap roles its stacks are synthesized with', () => {
    // Prepare
    const template = synthOidcTemplate();
    const { dev: devSettings, prod: prodSettings } = environments;

    // Act
    const dev = policyOf(template, 'Dev').Properties.PolicyDocument.Statement[0]?.Resource.map(renderIntrinsic) ?? [];
    const prod = policyOf(template, 'Prod').Properties.PolicyDocument.Statement[0]?.Resource.map(renderIntrinsic) ?? [];

    // Assess
    expect(devSettings.bootstrapQualifier).not.toBe(prodSettings.bootstrapQualifier);
    expect(dev).toContain(bootstrapRoleArn('deploy', devSettings.bootstrapQualifier));
    expect(prod).toContain(bootstrapRoleArn('deploy', prodSettings.bootstrapQualifier));
    expect(dev.join(' ')).not.toContain(`cdk-${prodSettings.bootstrapQualifier}-`);
    expect(prod.join(' ')).not.toContain(`cdk-${devSettings.bootstrapQualifier}-`);
  });

  it('has no managed policy, no inline role policy, no administrator access and a one-hour session cap', () => {
    // Prepare
    const template = synthOidcTemplate();

    // Act
    const roles = [roleOf(template, 'Dev'), roleOf(template, 'Prod')];

    // Assess
    for (const role of roles) {
      expect(role.Properties['ManagedPolicyArns']).toBeUndefined();
      expect(role.Properties['Policies']).toBeUndefined();
      expect(role.Properties['MaxSessionDuration']).toBe(3600);
    }
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/AdministratorAccess|PowerUserAccess|"iam:\*"|"\*"/);
  });

  it("outputs each environment's role ARN under its own key", () => {
    // Prepare
    const template = synthOidcTemplate();

    // Act
    const outputs = [deployRoleOutputKey('dev'), deployRoleOutputKey('prod')].map((key) => Object.values(template.findOutputs(key)));

    // Assess
    expect(deployRoleOutputKey('prod')).toBe('DeployRoleArnProd');
    expect(outputs).toEqual([
      [expect.objectContaining({ Value: { 'Fn::GetAtt': [expect.stringMatching(/^DeployRoleDev/), 'Arn'] } })],
      [expect.objectContaining({ Value: { 'Fn::GetAtt': [expect.stringMatching(/^DeployRoleProd/), 'Arn'] } })],
    ]);
  });
});

describe('GithubOidcStack OIDC provider', () => {
  it('creates the GitHub provider with the STS client id when none exists', () => {
    // Prepare
    const template = synthOidcTemplate();

    // Act
    const provider = onlyResourceOfType(template, 'AWS::IAM::OIDCProvider');

    // Assess
    expect(provider['Properties']).toEqual({
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  it('imports an existing provider instead of creating a second one', () => {
    // Prepare
    const template = synthOidcTemplate({ existingProviderArn: EXISTING_PROVIDER_ARN });

    // Act
    const statements = trustStatements(template, 'Prod');

    // Assess
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(statements).toEqual([expect.objectContaining({ Principal: { Federated: EXISTING_PROVIDER_ARN } })]);
  });
});

describe('GithubOidcStack arguments', () => {
  it.each([
    '*',
    'acme-rides/*',
    '*/tripstream',
    'acme-rides/trip*',
    'acme-rides',
    'acme-rides/trip/stream',
    'acme rides/tripstream',
    '-acme/tripstream',
    'acme/..',
  ])('rejects the repository %p with a clear error', (repository) => {
    // Prepare
    const build = () => buildOidcStack({ repository });

    // Act / Assess
    expect(build).toThrow(`repository must be exactly "owner/name" (letters, digits, '-', '_', '.'; no wildcards), got "${repository}"`);
  });

  it.each([
    [{ environments: ['prod*'] }, 'environment must be a GitHub environment name'],
    [{ existingProviderArn: 'arn:aws:iam::123456789012:oidc-provider/example.com' }, 'existingProviderArn must be the ARN'],
    [{ bootstrapQualifier: 'much-too-long-qualifier' }, 'qualifier must be 1-10 characters'],
    [{ environments: ['staging'], environmentQualifiers: { staging: 'bad qualifier' } }, 'qualifier must be 1-10 characters'],
    [
      { environmentQualifiers: { prod: 'tsother' } },
      'the prod stacks are synthesized with bootstrap qualifier "tsprod" (lib/config.ts), not "tsother"',
    ],
    [{ environmentQualifiers: { dev: environments.prod.bootstrapQualifier } }, 'the dev stacks are synthesized with bootstrap qualifier'],
    [{ environments: ['staging', 'qa'] }, 'environments staging and qa share the bootstrap qualifier "hnb659fds"'],
    [
      { environmentQualifiers: { staging: 'tsstage' } },
      'a bootstrap qualifier is given for "staging", which is not one of the environments (dev, prod)',
    ],
    [{ environments: [] }, 'at least one GitHub environment must be allowed to deploy'],
  ] satisfies [Partial<GithubOidcStackProps>, string][])('rejects %p', (overrides, message) => {
    // Prepare
    const build = () => buildOidcStack(overrides);

    // Act / Assess
    expect(build).toThrow(message);
  });

  it('reads its settings from CDK context, defaulting to the dev and prod environments', () => {
    // Prepare
    const context: Record<string, string> = {
      repository: REPOSITORY,
      environments: ' dev , prod,,',
      qualifier: 'trip01',
      qualifiers: 'dev:tsdev, prod:tsprod',
    };

    // Act
    const props = githubOidcPropsFromContext((key) => context[key]);
    const defaults = githubOidcPropsFromContext((key) => (key === 'repository' ? REPOSITORY : undefined));

    // Assess
    expect(props).toEqual({
      repository: REPOSITORY,
      environments: ['dev', 'prod'],
      bootstrapQualifier: 'trip01',
      environmentQualifiers: { dev: 'tsdev', prod: 'tsprod' },
    });
    expect(defaults).toEqual({ repository: REPOSITORY, environments: ['dev', 'prod'] });
  });

  it.each([
    [{ repository: REPOSITORY, branch: 'main' }, 'context value "branch" is no longer supported'],
    [{ repository: REPOSITORY, qualifiers: 'dev=tsdev' }, 'context value "qualifiers" must be environment:qualifier pairs'],
    [{}, 'missing context value: -c repository=owner/name'],
  ])('refuses the context %p', (context, message) => {
    // Prepare
    const read = () => githubOidcPropsFromContext((key) => (context as Record<string, string>)[key]);

    // Act / Assess
    expect(read).toThrow(message);
  });
});

describe('GithubOidcStack cdk-nag', () => {
  it.each([
    ['a created provider', {}],
    ['an imported provider', { existingProviderArn: EXISTING_PROVIDER_ARN }],
  ] satisfies [string, Partial<GithubOidcStackProps>][])('passes AwsSolutions checks with %s', (_variant, overrides) => {
    // Prepare
    const { app } = buildOidcStack(overrides);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).not.toThrow();
  });

  it('would fail synthesis if a role were given an AWS managed administrator policy', () => {
    // Prepare
    const { app, stack } = buildOidcStack();
    stack.deployRoles.get('prod')?.addManagedPolicy(ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess'));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).toThrow(/AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/AdministratorAccess\]/);
  });
});

describe('GithubOidcStack template shape', () => {
  it('holds nothing beyond the provider and one role with its policy per environment', () => {
    // Prepare
    const template = synthOidcTemplate();

    // Act
    const types = Object.values(template.toJSON()['Resources'] as Record<string, { Type: string }>).map((r) => r.Type);

    // Assess
    expect(types.sort()).toEqual(['AWS::IAM::OIDCProvider', 'AWS::IAM::Policy', 'AWS::IAM::Policy', 'AWS::IAM::Role', 'AWS::IAM::Role']);
  });
});
