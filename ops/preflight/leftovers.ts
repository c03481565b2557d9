/**
 * Check 5: what a failed first create leaves behind. A stack rolled back (or whose delete failed) must be
 * deleted before it can be created again; and resources it retained, with the app's fixed names, make the
 * next create fail with "already exists".
 */
import { type AthenaClient, ListWorkGroupsCommand } from '@aws-sdk/client-athena';
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { type PipelineSettings, stackNames } from '../../lib/config';
import { type CheckResult, couldNotCheck, errorLine, errorName, type PreflightTarget } from './check';
import type { PreflightClients } from './clients';
import { deleteCommand, type FixedNameResource, fixedNameResources, type StackRole } from './fixed-names';

export const STACK_STATES_CHECK = { id: 'stack-states', title: "the environment's stacks" } as const;
export const LEFTOVER_RESOURCES_CHECK = { id: 'leftover-resources', title: 'leftovers with fixed names' } as const;

/** States in which `cdk deploy` cannot create or update the stack until someone acts. */
const BLOCKING_STATES: Readonly<Record<string, (stack: string) => string>> = {
  ROLLBACK_COMPLETE: (stack) =>
    `aws cloudformation delete-stack --stack-name ${stack} (a first create rolled back; it can only be deleted)`,
  ROLLBACK_FAILED: (stack) =>
    `aws cloudformation delete-stack --stack-name ${stack} (then delete by hand what the stack's events show as DELETE_FAILED)`,
  DELETE_FAILED: (stack) =>
    `aws cloudformation delete-stack --stack-name ${stack} (after removing what blocked the delete, named in the stack's events)`,
  UPDATE_ROLLBACK_FAILED: (stack) => `aws cloudformation continue-update-rollback --stack-name ${stack}`,
  IMPORT_ROLLBACK_FAILED: (stack) => `aws cloudformation continue-update-rollback --stack-name ${stack}`,
};

/** Whether a stack's own resources, retained or not, are gone with it (so their names may be taken by leftovers). */
const LEAVES_RESOURCES_BEHIND = new Set(['ROLLBACK_COMPLETE', 'ROLLBACK_FAILED', 'DELETE_FAILED']);

type StackState = { readonly role: StackRole; readonly name: string; readonly status?: string };

export type StackStates =
  | { readonly known: true; readonly stacks: readonly StackState[] }
  | { readonly known: false; readonly error: unknown };

function isMissingStack(error: unknown): boolean {
  return errorName(error) === 'ValidationError' && /does not exist/.test(errorLine(error));
}

export async function describeStackStates(cloudFormation: CloudFormationClient, settings: PipelineSettings): Promise<StackStates> {
  try {
    const stacks = await Promise.all(
      (Object.entries(stackNames(settings)) as [StackRole, string][]).map(async ([role, name]): Promise<StackState> => {
        try {
          const found = (await cloudFormation.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
          return found?.StackStatus === undefined ? { role, name } : { role, name, status: found.StackStatus };
        } catch (error) {
          if (isMissingStack(error)) return { role, name };
          throw error;
        }
      }),
    );
    return { known: true, stacks };
  } catch (error) {
    return { known: false, error };
  }
}

export function checkStackStates(states: StackStates): CheckResult {
  const { id, title } = STACK_STATES_CHECK;
  if (!states.known) return couldNotCheck(id, title, 'cloudformation:DescribeStacks', states.error);
  // A change set never executed (REVIEW_IN_PROGRESS) holds no resources, and cdk deploy takes the stack over.
  const findings = states.stacks.flatMap(({ name, status }) => {
    if (status === undefined) return [];
    const blockingFix = BLOCKING_STATES[status];
    if (blockingFix !== undefined) return [{ found: `${name} is ${status}`, fix: blockingFix(name) }];
    if (status.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS')
      return [{ found: `${name} is ${status}`, fix: `wait for ${name} to leave ${status}` }];
    return [];
  });
  const described = states.stacks.map((stack) => `${stack.name} ${stack.status ?? 'absent'}`).join(', ');
  if (findings.length === 0) return { id, title, status: 'pass', detail: described, fix: '' };
  return {
    id,
    title,
    status: 'fail',
    detail: `${findings.map(({ found }) => found).join('; ')} (${described})`,
    fix: findings.map(({ fix }) => fix).join('; '),
  };
}

interface Probe {
  readonly exists: boolean;
  readonly queueUrl?: string;
  readonly deletionProtection?: boolean;
  /** For a bucket: the name is taken by another account, so deleting is not the fix. */
  readonly ownedElsewhere?: boolean;
}

const absent: Probe = { exists: false };

function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return undefined;
  const metadata = error.$metadata;
  return typeof metadata === 'object' && metadata !== null && 'httpStatusCode' in metadata && typeof metadata.httpStatusCode === 'number'
    ? metadata.httpStatusCode
    : undefined;
}

async function probe(clients: PreflightClients, resource: FixedNameResource): Promise<Probe> {
  const missing = (error: unknown, ...names: string[]): Probe => {
    if (names.includes(errorName(error))) return absent;
    throw error;
  };
  switch (resource.kind) {
    case 'kinesis-stream':
      return clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: resource.name })).then(
        () => ({ exists: true }),
        (error: unknown) => missing(error, 'ResourceNotFoundException'),
      );
    case 'dynamodb-table':
      return clients.dynamodb.send(new DescribeTableCommand({ TableName: resource.name })).then(
        (found) => ({ exists: true, deletionProtection: found.Table?.DeletionProtectionEnabled === true }),
        (error: unknown) => missing(error, 'ResourceNotFoundException'),
      );
    case 'sqs-queue':
      return clients.sqs.send(new GetQueueUrlCommand({ QueueName: resource.name })).then(
        (found) => (found.QueueUrl === undefined ? { exists: true } : { exists: true, queueUrl: found.QueueUrl }),
        (error: unknown) => missing(error, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'),
      );
    case 's3-bucket':
      return clients.s3.send(new HeadBucketCommand({ Bucket: resource.name })).then(
        () => ({ exists: true }),
        (error: unknown) => {
          // HeadBucket has no error body: its status says it. 403 is a bucket of another account, a name taken all the same.
          const status = httpStatus(error);
          if (status === 403) return { exists: true, ownedElsewhere: true };
          // 301: the bucket is in another region; the name is taken there.
          if (status === 301) return { exists: true };
          if (status === 404) return absent;
          return missing(error, 'NotFound', 'NoSuchBucket');
        },
      );
    case 'log-group': {
      // Groups come in name order, and a name sorts before the names it is a prefix of: the first page holds it if it exists.
      const found = await clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: resource.name }));
      return { exists: (found.logGroups ?? []).some((group) => group.logGroupName === resource.name) };
    }
    case 'athena-workgroup':
      return { exists: await workGroupExists(clients.athena, resource.name) };
  }
}

async function workGroupExists(athena: AthenaClient, name: string): Promise<boolean> {
  let nextToken: string | undefined;
  do {
    const page = await athena.send(new ListWorkGroupsCommand({ NextToken: nextToken }));
    if ((page.WorkGroups ?? []).some((group) => group.Name === name)) return true;
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return false;
}

/** The read that probes a kind of resource, as an IAM action (for could-not-check messages). */
const PROBE_ACTIONS: Record<FixedNameResource['kind'], string> = {
  'kinesis-stream': 'kinesis:DescribeStreamSummary',
  'dynamodb-table': 'dynamodb:DescribeTable',
  'sqs-queue': 'sqs:GetQueueUrl',
  's3-bucket': 's3:ListBucket (HeadBucket)',
  'log-group': 'logs:DescribeLogGroups',
  'athena-workgroup': 'athena:ListWorkGroups',
};

export async function checkLeftoverResources(
  clients: PreflightClients,
  settings: PipelineSettings,
  target: PreflightTarget,
  states: StackStates,
): Promise<CheckResult> {
  const { id, title } = LEFTOVER_RESOURCES_CHECK;
  if (!states.known) return couldNotCheck(id, title, 'cloudformation:DescribeStacks', states.error);
  const resources = fixedNameResources(settings, target);
  // A healthy stack owns its names; only stacks to be created (again) can collide with leftovers.
  const toCreate = states.stacks.filter((stack) => stack.status === undefined || LEAVES_RESOURCES_BEHIND.has(stack.status));
  const candidates = toCreate.flatMap((stack) => resources[stack.role].map((resource) => ({ stack: stack.name, resource })));
  const probes = await Promise.all(
    candidates.map(({ stack, resource }) =>
      probe(clients, resource).then(
        (found) => ({ stack, resource, found, error: undefined }),
        (error: unknown) => ({ stack, resource, found: absent, error }),
      ),
    ),
  );
  const leftovers = probes.filter((result) => result.found.exists);
  const unknown = probes.filter((result) => result.error !== undefined);
  const checked = `${candidates.length} fixed name${candidates.length === 1 ? '' : 's'} of ${toCreate.length} stack${toCreate.length === 1 ? '' : 's'} to create`;
  if (leftovers.length > 0) {
    return {
      id,
      title,
      status: 'fail',
      detail:
        `${leftovers.map(({ stack, resource, found }) => `${resource.kind} ${resource.name} exists${found.ownedElsewhere === true ? ' in another account' : ''} (${stack} would fail: already exists)`).join('; ')}` +
        (unknown.length > 0
          ? `; not checked: ${unknown.map(({ resource, error }) => `${resource.name} (${errorLine(error)})`).join(', ')}`
          : ''),
      fix:
        'Export what you still need, then delete: ' +
        leftovers
          .map(({ resource, found }) =>
            found.ownedElsewhere === true
              ? `${resource.name} belongs to another account: choose another prefix in lib/config.ts`
              : deleteCommand(resource, {
                  ...(found.queueUrl === undefined ? {} : { queueUrl: found.queueUrl }),
                  ...(found.deletionProtection === undefined ? {} : { deletionProtection: found.deletionProtection }),
                }),
          )
          .join('; '),
    };
  }
  if (unknown.length > 0) {
    return {
      id,
      title,
      status: 'could-not-check',
      detail: `${checked}; not checked: ${unknown.map(({ resource, error }) => `${resource.name} (${errorLine(error)})`).join(', ')}`,
      fix: `Run preflight with a principal allowed ${[...new Set(unknown.map(({ resource }) => PROBE_ACTIONS[resource.kind]))].join(', ')} (AWS ReadOnlyAccess covers them).`,
    };
  }
  return {
    id,
    title,
    status: 'pass',
    detail: candidates.length === 0 ? 'every stack exists: nothing will be created' : `none of the ${checked} exists`,
    fix: '',
  };
}
