import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  DEPLOY_ROLE_ARN_OUTPUT,
  GithubOidcStack,
  githubOidcPropsFromContext,
  type GithubOidcStackProps,
} from '../../lib/stacks/github-oidc-stack';

const REPOSITORY = 'acme-rides/tripstream';
const EXISTING_PROVIDER_ARN = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

function oidcStackProps(overrides: Partial<GithubOidcStackProps> = {}): GithubOidcStackProps {
  return { repository: REPOSITORY, branch: 'main', environments: ['dev', 'prod'], ...overrides };
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

function trustStatements(template: Template): Json[] {
  const role = onlyResourceOfType(template, 'AWS::IAM::Role') as {
    Properties: { AssumeRolePolicyDocument: { Statement: Json[] } };
  };
  return role.Properties.AssumeRolePolicyDocument.Statement;
}

function bootstrapRoleArn(kind: string, qualifier = 'hnb659fds'): string {
  return `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/cdk-${qualifier}-${kind}-role-\${AWS::AccountId}-\${AWS::Region}`;
}

describe('GithubOidcStack trust policy', () => {
  it('requires the STS audience and one of the exact repository + branch / environment subjects', () => {
    // Prepare
    const template = synthOidcTemplate();

    // Act
    const statements = trustStatements(template);

    // Assess
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: { Ref: expect.stringMatching(/^GithubOidcProvider/) } },
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': [
              `repo:${REPOSITORY}:ref:refs/heads/main`,
              `repo:${REPOSITORY}:environment:dev`,
              `repo:${REPOSITORY}:environment:prod`,
            ],
          },
        },
      },
    ]);
  });

  it('trusts only the GitHub environments when no branch is given', () => {
    // Prepare
    const template = synthOidcTemplate({ branch: undefined, environments: ['prod'] });

    // Act
    const statements = trustStatements(template);

    // Assess
    expect(statements).toEqual([
      expect.objectContaining({
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': [`repo:${REPOSITORY}:environment:prod`],
          },
        },
      }),
    ]);
  });

  it('contains no wildcard and no pattern-matching condition anywhere in the trust policy', () => {
    // Prepare
    const template = synthOidcTemplate();

    // Act
    const trustText = JSON.stringify(trustStatements(template));

    // Assess
    expect(trustText).not.toContain('*');
    expect(trustText).not.toContain('?');
    expect(trustText).not.toMatch(/StringLike|ForAnyValue|ForAllValues/);
  });
});

describe('GithubOidcStack deploy role permissions', () => {
  it('may only assume (and tag sessions of) the four named CDK bootstrap roles', () => {
    // Prepare
    const template = synthOidcTemplate();

    // Act
    const policy = onlyResourceOfType(template, 'AWS::IAM::Policy') as {
      Properties: { PolicyDocument: { Statement: { Effect: string; Action: Json; Resource: Json[] }[] } };
    };
    const statements = policy.Properties.PolicyDocument.Statement;

    // Assess
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Effect).toBe('Allow');
    expect(statements[0]?.Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(statements[0]?.Resource.map(renderIntrinsic)).toEqual([
      bootstrapRoleArn('deploy'),
      bootstrapRoleArn('file-publishing'),
      bootstrapRoleArn('image-publishing'),
      bootstrapRoleArn('lookup'),
    ]);
  });

  it('targets the bootstrap roles of a custom qualifier', () => {
    // Prepare
    const template = synthOidcTemplate({ bootstrapQualifier: 'trip01' });

    // Act
    const policy = onlyResourceOfType(template, 'AWS::IAM::Policy') as {
      Properties: { PolicyDocument: { Statement: { Resource: Json[] }[] } };
    };

    // Assess
    expect(policy.Properties.PolicyDocument.Statement[0]?.Resource.map(renderIntrinsic)).toContain(
      bootstrapRoleArn('deploy', 'trip01'),
    );
  });

  it('has no managed policy, no inline role policy, no administrator access and a one-hour session cap', () => {
    // Prepare
    const template = synthOidcTemplate();

    // Act
    const role = onlyResourceOfType(template, 'AWS::IAM::Role') as { Properties: { [key: string]: Json } };

    // Assess
    expect(role.Properties['ManagedPolicyArns']).toBeUndefined();
    expect(role.Properties['Policies']).toBeUndefined();
    expect(role.Properties['MaxSessionDuration']).toBe(3600);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/AdministratorAccess|PowerUserAccess|"iam:\*"|"\*"/);
  });

  it('outputs the role ARN', () => {
    // Prepare
    const template = synthOidcTemplate();

    // Act
    const outputs = template.findOutputs(DEPLOY_ROLE_ARN_OUTPUT);

    // Assess
    expect(Object.values(outputs)).toEqual([
      expect.objectContaining({ Value: { 'Fn::GetAtt': [expect.stringMatching(/^DeployRole/), 'Arn'] } }),
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
    const statements = trustStatements(template);

    // Assess
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(statements).toEqual([
      expect.objectContaining({ Principal: { Federated: EXISTING_PROVIDER_ARN } }),
    ]);
  });
});

describe('GithubOidcStack arguments', () => {
  it.each(['*', 'acme-rides/*', '*/tripstream', 'acme-rides/trip*', 'acme-rides', 'acme-rides/trip/stream', 'acme rides/tripstream', '-acme/tripstream', 'acme/..'])(
    'rejects the repository %p with a clear error',
    (repository) => {
      // Prepare
      const build = () => buildOidcStack({ repository });

      // Act / Assess
      expect(build).toThrow(`repository must be exactly "owner/name" (letters, digits, '-', '_', '.'; no wildcards), got "${repository}"`);
    },
  );

  it.each([
    [{ branch: 'release/*' }, 'branch must be a plain branch name'],
    [{ branch: '../main' }, 'branch must be a plain branch name'],
    [{ environments: ['prod*'] }, 'environment must be a GitHub environment name'],
    [{ existingProviderArn: 'arn:aws:iam::123456789012:oidc-provider/example.com' }, 'existingProviderArn must be the ARN'],
    [{ bootstrapQualifier: 'much-too-long-qualifier' }, 'qualifier must be 1-10 characters'],
    [{ branch: undefined, environments: [] }, 'at least one branch or environment must be allowed to deploy'],
  ] satisfies [Partial<GithubOidcStackProps>, string][])('rejects %p', (overrides, message) => {
    // Prepare
    const build = () => buildOidcStack(overrides);

    // Act / Assess
    expect(build).toThrow(message);
  });

  it('reads its settings from CDK context, defaulting to the dev and prod environments', () => {
    // Prepare
    const context: Record<string, string> = { repository: REPOSITORY, environments: ' dev , prod,,', qualifier: 'trip01' };

    // Act
    const props = githubOidcPropsFromContext((key) => context[key]);
    const defaults = githubOidcPropsFromContext((key) => (key === 'repository' ? REPOSITORY : undefined));

    // Assess
    expect(props).toEqual({
      repository: REPOSITORY,
      branch: undefined,
      environments: ['dev', 'prod'],
      existingProviderArn: undefined,
      bootstrapQualifier: 'trip01',
    });
    expect(defaults.environments).toEqual(['dev', 'prod']);
  });

  it('requires the repository context value', () => {
    // Prepare
    const read = () => githubOidcPropsFromContext(() => undefined);

    // Act / Assess
    expect(read).toThrow('missing context value: -c repository=owner/name');
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

  it('would fail synthesis if the role were given an AWS managed administrator policy', () => {
    // Prepare
    const { app, stack } = buildOidcStack();
    stack.deployRole.addManagedPolicy(ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess'));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).toThrow(/AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/AdministratorAccess\]/);
  });
});

describe('GithubOidcStack template shape', () => {
  it('holds nothing beyond the provider, the role and its policy', () => {
    // Prepare
    const template = synthOidcTemplate();

    // Act
    const types = Object.values(template.toJSON()['Resources'] as Record<string, { Type: string }>).map((r) => r.Type);

    // Assess
    expect(types.sort()).toEqual(['AWS::IAM::OIDCProvider', 'AWS::IAM::Policy', 'AWS::IAM::Role']);
    template.hasResourceProperties('AWS::IAM::Role', Match.objectLike({ MaxSessionDuration: 3600 }));
  });
});
