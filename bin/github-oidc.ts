/**
 * CDK app of the GitHub OIDC deploy role, deployed once per account and region by an administrator:
 *
 *   npx cdk deploy -a "npx tsx bin/github-oidc.ts" -c repository=owner/name \
 *     [-c environments=dev,prod] [-c qualifiers=dev:tsdev,prod:tsprod] [-c existingProviderArn=arn:...] [-c qualifier=hnb659fds]
 *
 * See docs/deployment.md.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { errorText } from '../domain/error-text';
import { GithubOidcStack, githubOidcPropsFromContext } from '../lib/stacks/github-oidc-stack';

const GITHUB_OIDC_STACK_NAME = 'tripstream-github-oidc';

const app = new App();
try {
  new GithubOidcStack(app, GITHUB_OIDC_STACK_NAME, {
    ...githubOidcPropsFromContext((key) => app.node.tryGetContext(key)),
    description: 'tripstream: GitHub Actions OIDC provider and one least-privilege deploy role per environment',
  });
} catch (error) {
  console.error(`github-oidc: ${errorText(error)}`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
