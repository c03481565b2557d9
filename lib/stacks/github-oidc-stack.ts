/**
 * The one-time, administrator-deployed stack that lets GitHub Actions deploy tripstream without long-lived keys.
 *
 * It creates (or imports) the account's GitHub OIDC provider and one deploy role per GitHub environment that:
 * - trusts only tokens whose audience is STS and whose subject is exactly that repository + environment
 *   (StringEquals, never a wildcard), so a dev job (run on every push, without reviewers) can never assume the
 *   prod role, which only a job of the protected prod environment can;
 * - may do nothing but assume the CDK bootstrap roles of its own environment's bootstrap qualifier, in this
 *   account and region. Everything the deploy touches is done through those roles, so this role holds no
 *   service permissions of its own. With one qualifier per environment, dev and prod sharing an account do
 *   not share bootstrap roles either (docs/deployment.md).
 */
import { Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Effect, type IOidcProvider, OidcProviderNative, PolicyStatement, Role, WebIdentityPrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { environments as appEnvironments, isEnvironmentName } from '../config';

const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
const GITHUB_OIDC_AUDIENCE = 'sts.amazonaws.com';
/** The qualifier `cdk bootstrap` uses unless told otherwise. */
const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';
/** The bootstrap roles the CDK CLI assumes to deploy; the CloudFormation execution role is not among them on purpose. */
const BOOTSTRAP_ROLE_KINDS = ['deploy', 'file-publishing', 'image-publishing', 'lookup'] as const;
/** Output of each environment's role ARN: `DeployRoleArn<Env>`, e.g. `DeployRoleArnProd`. */
const DEPLOY_ROLE_ARN_OUTPUT = 'DeployRoleArn';

export function deployRoleOutputKey(environment: string): string {
  return `${DEPLOY_ROLE_ARN_OUTPUT}${logicalSuffix(environment)}`;
}

/** `prod` -> `Prod`, `qa-eu.1` -> `QaEu1`: a suffix valid in logical ids and output keys. */
function logicalSuffix(environment: string): string {
  return environment
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => `${part[0]?.toUpperCase() ?? ''}${part.slice(1)}`)
    .join('');
}
/** A deploy of all four stacks takes minutes; an hour also matches the ceiling AWS puts on chained role sessions. */
const DEPLOY_SESSION_DURATION = Duration.hours(1);

export interface GithubOidcStackProps extends StackProps {
  /** `owner/name` of the GitHub repository allowed to deploy. */
  readonly repository: string;
  /** GitHub environments whose jobs may deploy, e.g. `dev`, `prod`: one deploy role each. */
  readonly environments: readonly string[];
  /** ARN of an existing GitHub OIDC provider in the account; when absent the stack creates one. */
  readonly existingProviderArn?: string;
  /** Qualifier of the CDK bootstrap stack whose roles a deploy role may assume, unless its environment has its own. */
  readonly bootstrapQualifier?: string;
  /** Per-environment bootstrap qualifiers, e.g. `{ dev: 'tsdev', prod: 'tsprod' }` when both share an account. */
  readonly environmentQualifiers?: Readonly<Record<string, string>>;
}

// GitHub's own rules: owners are alphanumeric with single inner hyphens (39 chars), names allow `.`, `_`, `-`.
const REPOSITORY_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}\/[A-Za-z0-9._-]{1,100}$/;
const ENVIRONMENT_PATTERN = /^[A-Za-z0-9._-]{1,255}$/;
const PROVIDER_ARN_PATTERN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;
// The bootstrap template's own constraint on its Qualifier parameter.
const QUALIFIER_PATTERN = /^[A-Za-z0-9_-]{1,10}$/;

function validateRepository(repository: string): string {
  const name = repository.split('/')[1];
  if (!REPOSITORY_PATTERN.test(repository) || name === '.' || name === '..') {
    throw new Error(`repository must be exactly "owner/name" (letters, digits, '-', '_', '.'; no wildcards), got "${repository}"`);
  }
  return repository;
}

function validateEnvironment(environment: string): string {
  if (!ENVIRONMENT_PATTERN.test(environment)) {
    throw new Error(`environment must be a GitHub environment name (letters, digits, '-', '_', '.'; no wildcards), got "${environment}"`);
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
 * The bootstrap qualifier whose roles an environment's deploy role may assume: for an environment of the app
 * (lib/config.ts), the qualifier its stacks are synthesized with, which a `qualifiers` context may repeat but not
 * contradict; for any other environment, `qualifiers` or else `qualifier`.
 */
function qualifierOf(environment: string, props: GithubOidcStackProps, defaultQualifier: string): string {
  const given = props.environmentQualifiers?.[environment];
  if (isEnvironmentName(environment)) {
    const synthesized = appEnvironments[environment].bootstrapQualifier;
    if (given !== undefined && given !== synthesized) {
      throw new Error(
        `the ${environment} stacks are synthesized with bootstrap qualifier "${synthesized}" (lib/config.ts), not "${given}": ` +
          'its deploy role must assume the roles those stacks name',
      );
    }
    return validateQualifier(synthesized);
  }
  return validateQualifier(given ?? defaultQualifier);
}

/** The `sub` claim GitHub puts in tokens of a job running in that environment (GitHub's default subject format). */
function environmentSubject(repository: string, environment: string): string {
  return `repo:${repository}:environment:${validateEnvironment(environment)}`;
}

export class GithubOidcStack extends Stack {
  readonly provider: IOidcProvider;
  /** One per GitHub environment, by environment name. */
  readonly deployRoles: ReadonlyMap<string, Role>;

  constructor(scope: Construct, id: string, props: GithubOidcStackProps) {
    super(scope, id, props);
    validateRepository(props.repository);
    const environments = [...new Set(props.environments)];
    if (environments.length === 0) throw new Error('at least one GitHub environment must be allowed to deploy');
    for (const environment of Object.keys(props.environmentQualifiers ?? {})) {
      if (!environments.includes(environment)) {
        throw new Error(
          `a bootstrap qualifier is given for "${environment}", which is not one of the environments (${environments.join(', ')})`,
        );
      }
    }
    const defaultQualifier = validateQualifier(props.bootstrapQualifier ?? DEFAULT_BOOTSTRAP_QUALIFIER);

    // An account holds one provider per issuer URL, so a second stack must import the first one's provider.
    this.provider =
      props.existingProviderArn === undefined
        ? new OidcProviderNative(this, 'GithubOidcProvider', {
            url: `https://${GITHUB_OIDC_HOST}`,
            clientIds: [GITHUB_OIDC_AUDIENCE],
          })
        : OidcProviderNative.fromOidcProviderArn(this, 'GithubOidcProvider', validateProviderArn(props.existingProviderArn));

    const qualifiers = new Map<string, string>();
    const environmentOfQualifier = new Map<string, string>();
    for (const environment of environments) {
      const qualifier = qualifierOf(environment, props, defaultQualifier);
      const other = environmentOfQualifier.get(qualifier);
      if (other !== undefined) {
        throw new Error(
          `environments ${other} and ${environment} share the bootstrap qualifier "${qualifier}": one environment's deploy role ` +
            'could deploy the other; give each its own (lib/config.ts bootstrapQualifier, or -c qualifiers=...)',
        );
      }
      qualifiers.set(environment, qualifier);
      environmentOfQualifier.set(qualifier, environment);
    }
    const roles = new Map<string, Role>();
    for (const environment of environments) {
      const qualifier = qualifiers.get(environment) ?? defaultQualifier;
      const subject = environmentSubject(props.repository, environment);
      roles.set(environment, this.deployRole(environment, subject, qualifier, props.repository));
    }
    this.deployRoles = roles;
  }

  private deployRole(environment: string, subject: string, qualifier: string, repository: string): Role {
    const suffix = logicalSuffix(environment);
    const role = new Role(this, `DeployRole${suffix}`, {
      description: `GitHub Actions deploys of ${repository} in environment ${environment}: may only assume the CDK bootstrap roles (${qualifier})`,
      assumedBy: new WebIdentityPrincipal(this.provider.oidcProviderArn, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
          [`${GITHUB_OIDC_HOST}:sub`]: subject,
        },
      }),
      maxSessionDuration: DEPLOY_SESSION_DURATION,
    });
    role.addToPolicy(
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
    new CfnOutput(this, deployRoleOutputKey(environment), {
      value: role.roleArn,
      description: `Set as the AWS_DEPLOY_ROLE_ARN variable of the GitHub environment ${environment} (trusts only ${subject})`,
    });
    return role;
  }
}

/**
 * Reads the stack's settings from CDK context values
 * (`-c repository=owner/name -c environments=dev,prod -c qualifiers=dev:tsdev,prod:tsprod ...`).
 */
export function githubOidcPropsFromContext(context: (key: string) => unknown): GithubOidcStackProps {
  const text = (key: string): string | undefined => {
    const value = context(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw new Error(`context value "${key}" must be a string`);
    return value.trim();
  };
  const list = (key: string): string[] | undefined =>
    text(key)
      ?.split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0);
  const repository = text('repository');
  if (repository === undefined) {
    throw new Error('missing context value: -c repository=owner/name');
  }
  if (text('branch') !== undefined) {
    throw new Error(
      'context value "branch" is no longer supported: a branch subject would let jobs outside the GitHub environments ' +
        '(and their reviewers) deploy; deploy jobs run in an environment, and each environment gets its own role',
    );
  }
  const qualifiers = list('qualifiers')?.map((pair) => {
    const [environment, qualifier, ...rest] = pair.split(':').map((part) => part.trim());
    if (environment === undefined || environment === '' || qualifier === undefined || qualifier === '' || rest.length > 0) {
      throw new Error(`context value "qualifiers" must be environment:qualifier pairs such as dev:tsdev,prod:tsprod, got "${pair}"`);
    }
    return [environment, qualifier] as const;
  });
  const existingProviderArn = text('existingProviderArn');
  const bootstrapQualifier = text('qualifier');
  return {
    repository,
    // The deploy workflow runs its jobs in the dev and prod GitHub environments.
    environments: list('environments') ?? ['dev', 'prod'],
    ...(existingProviderArn === undefined ? {} : { existingProviderArn }),
    ...(bootstrapQualifier === undefined ? {} : { bootstrapQualifier }),
    ...(qualifiers === undefined ? {} : { environmentQualifiers: Object.fromEntries(qualifiers) }),
  };
}
