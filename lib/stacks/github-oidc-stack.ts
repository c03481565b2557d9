/**
 * The one-time, administrator-deployed stack that lets GitHub Actions deploy tripstream without long-lived keys.
 *
 * It creates (or imports) the account's GitHub OIDC provider and a deploy role that:
 * - trusts only tokens whose audience is STS and whose subject is exactly one of the configured
 *   repository + branch / repository + GitHub environment pairs (StringEquals, never a wildcard);
 * - may do nothing but assume the CDK bootstrap roles of this account and region. Everything the deploy
 *   touches is done through those roles, so this role holds no service permissions of its own.
 */
import { Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Effect, OidcProviderNative, PolicyStatement, Role, WebIdentityPrincipal, type IOidcProvider } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';
/** The qualifier `cdk bootstrap` uses unless told otherwise. */
const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';
/** The bootstrap roles the CDK CLI assumes to deploy; the CloudFormation execution role is not among them on purpose. */
const BOOTSTRAP_ROLE_KINDS = ['deploy', 'file-publishing', 'image-publishing', 'lookup'] as const;
export const DEPLOY_ROLE_ARN_OUTPUT = 'DeployRoleArn';
/** A deploy of all four stacks takes minutes; an hour also matches the ceiling AWS puts on chained role sessions. */
const DEPLOY_SESSION_DURATION = Duration.hours(1);

export interface GithubOidcStackProps extends StackProps {
  /** `owner/name` of the GitHub repository allowed to deploy. */
  readonly repository: string;
  /** Branch whose workflow runs (outside a GitHub environment) may deploy, e.g. `main`. */
  readonly branch?: string;
  /** GitHub environments whose jobs may deploy, e.g. `dev`, `prod`. */
  readonly environments?: readonly string[];
  /** ARN of an existing GitHub OIDC provider in the account; when absent the stack creates one. */
  readonly existingProviderArn?: string;
  /** Qualifier of the CDK bootstrap stack whose roles the deploy role may assume. */
  readonly bootstrapQualifier?: string;
}

// GitHub's own rules: owners are alphanumeric with single inner hyphens (39 chars), names allow `.`, `_`, `-`.
const REPOSITORY_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9._-]{1,100}$/;
// A git branch name without the characters that make a ref ambiguous or a glob.
const BRANCH_PATTERN = /^(?![/.-])(?!.*(?:\.\.|\/\/|\/\.|@\{))[A-Za-z0-9._/-]{1,255}(?<![/.])$/;
const ENVIRONMENT_PATTERN = /^[A-Za-z0-9._-]{1,255}$/;
const PROVIDER_ARN_PATTERN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;
// The bootstrap template's own constraint on its Qualifier parameter.
const QUALIFIER_PATTERN = /^[A-Za-z0-9_-]{1,10}$/;

function validateRepository(repository: string): string {
  const name = repository.split('/')[1];
  if (!REPOSITORY_PATTERN.test(repository) || name === '.' || name === '..') {
    throw new Error(
      `repository must be exactly "owner/name" (letters, digits, '-', '_', '.'; no wildcards), got "${repository}"`,
    );
  }
  return repository;
}

function validateBranch(branch: string): string {
  if (!BRANCH_PATTERN.test(branch)) {
    throw new Error(`branch must be a plain branch name such as "main" (no wildcards), got "${branch}"`);
  }
  return branch;
}

function validateEnvironment(environment: string): string {
  if (!ENVIRONMENT_PATTERN.test(environment)) {
    throw new Error(
      `environment must be a GitHub environment name (letters, digits, '-', '_', '.'; no wildcards), got "${environment}"`,
    );
  }
  return environment;
}

function validateProviderArn(arn: string): string {
  if (!PROVIDER_ARN_PATTERN.test(arn)) {
    throw new Error(`existingProviderArn must be the ARN of the ${GITHUB_OIDC_HOST} OIDC provider, got "${arn}"`);
  }
  return arn;
}

function validateQualifier(qualifier: string): string {
  if (!QUALIFIER_PATTERN.test(qualifier)) {
    throw new Error(`qualifier must be 1-10 characters of letters, digits, '_' or '-', got "${qualifier}"`);
  }
  return qualifier;
}

/**
 * The `sub` claims GitHub puts in tokens of the allowed workflow runs (GitHub's default subject format):
 * a job with `environment: prod` gets `repo:owner/name:environment:prod`, any other job on a branch push
 * gets `repo:owner/name:ref:refs/heads/<branch>`.
 */
function trustedSubjects(repository: string, branch: string | undefined, environments: readonly string[]): string[] {
  validateRepository(repository);
  const subjects = [
    ...(branch === undefined ? [] : [`repo:${repository}:ref:refs/heads/${validateBranch(branch)}`]),
    ...environments.map((environment) => `repo:${repository}:environment:${validateEnvironment(environment)}`),
  ];
  if (subjects.length === 0) {
    throw new Error('at least one branch or environment must be allowed to deploy');
  }
  return [...new Set(subjects)];
}

export class GithubOidcStack extends Stack {
  readonly provider: IOidcProvider;
  readonly deployRole: Role;

  constructor(scope: Construct, id: string, props: GithubOidcStackProps) {
    super(scope, id, props);
    const subjects = trustedSubjects(props.repository, props.branch, props.environments ?? []);
    const qualifier = validateQualifier(props.bootstrapQualifier ?? DEFAULT_BOOTSTRAP_QUALIFIER);

    // An account holds one provider per issuer URL, so a second stack must import the first one's provider.
    this.provider =
      props.existingProviderArn === undefined
        ? new OidcProviderNative(this, 'GithubOidcProvider', {
            url: `https://${GITHUB_OIDC_HOST}`,
            clientIds: [GITHUB_OIDC_AUDIENCE],
          })
        : OidcProviderNative.fromOidcProviderArn(this, 'GithubOidcProvider', validateProviderArn(props.existingProviderArn));

    this.deployRole = new Role(this, 'DeployRole', {
      description: `GitHub Actions deploys of ${props.repository}: may only assume the CDK bootstrap roles (${qualifier})`,
      assumedBy: new WebIdentityPrincipal(this.provider.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: subjects,
        },
      }),
      maxSessionDuration: DEPLOY_SESSION_DURATION,
    });

    this.deployRole.addToPolicy(
      new PolicyStatement({
        sid: 'AssumeCdkBootstrapRoles',
        effect: Effect.ALLOW,
        // The CDK CLI and configure-aws-credentials (role chaining) tag the sessions they open; the
        // bootstrap roles' trust policies allow it.
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: BOOTSTRAP_ROLE_KINDS.map(
          (kind) => `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-${qualifier}-${kind}-role-${Aws.ACCOUNT_ID}-${Aws.REGION}`,
        ),
      }),
    );

    new CfnOutput(this, DEPLOY_ROLE_ARN_OUTPUT, {
      value: this.deployRole.roleArn,
      description: 'Set as the AWS_DEPLOY_ROLE_ARN variable of the GitHub repository or environments',
    });
    new CfnOutput(this, 'TrustedSubjects', {
      value: subjects.join(' '),
      description: 'OIDC sub claims allowed to assume the deploy role',
    });
  }
}

/** Reads the stack's settings from CDK context values (`-c repository=owner/name -c environments=dev,prod ...`). */
export function githubOidcPropsFromContext(context: (key: string) => unknown): GithubOidcStackProps {
  const text = (key: string): string | undefined => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw new Error(`context value "${key}" must be a string`);
    return value.trim();
  };
  const repository = text('repository');
  if (repository === undefined) {
    throw new Error('missing context value: -c repository=owner/name');
  }
  const environments = text('environments')
    ?.split(',')
    .map((environment) => environment.trim())
    .filter((environment) => environment.length > 0);
  return {
    repository,
    branch: text('branch'),
    // The deploy workflow runs its jobs in the dev and prod GitHub environments.
    environments: environments ?? ['dev', 'prod'],
    existingProviderArn: text('existingProviderArn'),
    bootstrapQualifier: text('qualifier'),
  };
}

