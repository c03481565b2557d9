/**
 * Check 1, the one every other check needs: whose credentials these are, for which account, in which
 * region. Without it nothing else can be checked (exit 3).
 */
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { type CheckResult, errorLine, errorName, type PreflightTarget } from './check';

export const IDENTITY_CHECK = { id: 'credentials', title: 'credentials and region' } as const;
const { id: ID, title: TITLE } = IDENTITY_CHECK;

/** The SDK's and STS's names for credentials that are missing, malformed, expired or not accepted. */
const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'IncompleteSignature',
  'TokenRefreshRequired',
]);

const CREDENTIALS_FIX =
  'Give the command credentials of the target account: `aws sso login --profile <profile>` and AWS_PROFILE=<profile>, ' +
  'or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN; `aws sts get-caller-identity` must answer.';
const REGION_FIX = 'Name the region to deploy to: AWS_REGION=<region> (or `region` in the profile of AWS_PROFILE).';

export interface IdentityOutcome {
  readonly result: CheckResult;
  /** Present when the check passed. */
  readonly target?: PreflightTarget;
}

export async function checkIdentity(sts: STSClient): Promise<IdentityOutcome> {
  let region: string;
  try {
    region = await sts.config.region();
  } catch (error) {
    return { result: { id: ID, title: TITLE, status: 'fail', detail: `no region is set (${errorLine(error)})`, fix: REGION_FIX } };
  }
  if (region.trim() === '') return { result: { id: ID, title: TITLE, status: 'fail', detail: 'no region is set', fix: REGION_FIX } };
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    const account = identity.Account;
    if (account === undefined) throw new Error('GetCallerIdentity returned no account');
    return {
      result: {
        id: ID,
        title: TITLE,
        status: 'pass',
        detail: `${identity.Arn ?? 'caller'} in account ${account}, region ${region}`,
        fix: '',
      },
      target: { account, region },
    };
  } catch (error) {
    if (CREDENTIAL_ERRORS.has(errorName(error))) {
      return {
        result: { id: ID, title: TITLE, status: 'fail', detail: `no usable credentials: ${errorLine(error)}`, fix: CREDENTIALS_FIX },
      };
    }
    return {
      result: {
        id: ID,
        title: TITLE,
        status: 'could-not-check',
        detail: `sts:GetCallerIdentity in ${region} failed: ${errorLine(error)}`,
        fix: `Check the network and the STS endpoint of ${region} (AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL when set), then run preflight again.`,
      },
    };
  }
}
