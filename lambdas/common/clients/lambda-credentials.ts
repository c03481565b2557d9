/**
 * What the handler bundles get in place of the AWS SDK's default credential chain
 * (`@aws-sdk/credential-provider-node`, swapped in by the bundler: lib/constructs/pipeline-function.ts).
 *
 * Lambda hands a function its execution role's credentials in the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), which is where the default chain looks first. Its other links (SSO,
 * shared config files, credential processes, web identity, container and instance metadata) are never reached
 * on Lambda, yet with the nested STS, SSO and sign-in clients they need they were over a fifth of every bundle
 * (ADR 0006). The local runtime sets credentials in the environment too. Code run from the sources (tests, CLIs,
 * `npm run local` by default) keeps the whole chain.
 */
import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';

/** The default chain's export, reduced to its first link. */
export const defaultProvider = (init: FromEnvInit = {}) => fromEnv(init);
