/**
 * Check 6, what else a fresh account or region trips over: the Kinesis shard and on-demand stream quotas
 * (new accounts have low ones in some regions), and EMR Serverless being offered in the region at all.
 */
import { type EMRServerlessClient, ListApplicationsCommand } from '@aws-sdk/client-emr-serverless';
import { DescribeLimitsCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { type PipelineSettings, resourceNames } from '../../lib/config';
import { tripStreamShards } from './app-needs';
import { type CheckResult, couldNotCheck, errorLine, errorName, type PreflightTarget } from './check';

export const KINESIS_LIMITS_CHECK = { id: 'kinesis-limits', title: 'Kinesis shard quota' } as const;
const { id: KINESIS_ID, title: KINESIS_TITLE } = KINESIS_LIMITS_CHECK;
const KINESIS_FIX =
  'Ask for more in Service Quotas > Amazon Kinesis Data Streams (shards per region, or on-demand streams), or remove unused streams.';

/** How many of the app's trip streams the deploy would create (the others exist and are already counted). */
async function streamsToCreate(kinesis: KinesisClient, settings: PipelineSettings): Promise<number> {
  const names = resourceNames(settings);
  const exists = await Promise.all(
    [names.tripStartStream, names.tripEndStream].map((name) =>
      kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })).then(
        () => true,
        (error: unknown) => {
          if (errorName(error) === 'ResourceNotFoundException') return false;
          throw error;
        },
      ),
    ),
  );
  return exists.filter((found) => !found).length;
}

export async function checkKinesisLimits(kinesis: KinesisClient, settings: PipelineSettings): Promise<CheckResult> {
  let limits;
  let newStreams: number;
  try {
    limits = await kinesis.send(new DescribeLimitsCommand({}));
    newStreams = await streamsToCreate(kinesis, settings);
  } catch (error) {
    return couldNotCheck(KINESIS_ID, KINESIS_TITLE, 'kinesis:DescribeLimits / DescribeStreamSummary', error);
  }
  const { OpenShardCount: open, ShardLimit: shardLimit } = limits;
  if (open === undefined || shardLimit === undefined)
    return {
      id: KINESIS_ID,
      title: KINESIS_TITLE,
      status: 'could-not-check',
      detail: 'DescribeLimits returned no shard counts',
      fix: 'Run preflight again.',
    };
  const newShards = newStreams * tripStreamShards(settings);
  const perStream =
    settings.kinesis.capacityMode === 'ON_DEMAND'
      ? `${tripStreamShards(settings)}, on-demand initial`
      : String(settings.kinesis.shardCount);
  const findings = [
    `${open} of ${shardLimit} shards open; the app opens ${newShards} (${newStreams} stream${newStreams === 1 ? '' : 's'} x ${perStream})`,
  ];
  let fits = open + newShards <= shardLimit;
  // On-demand streams count against the shard quota too, and against a quota of on-demand streams of their own.
  if (settings.kinesis.capacityMode === 'ON_DEMAND') {
    const { OnDemandStreamCount: count, OnDemandStreamCountLimit: limit } = limits;
    if (count === undefined || limit === undefined)
      return {
        id: KINESIS_ID,
        title: KINESIS_TITLE,
        status: 'could-not-check',
        detail: 'DescribeLimits returned no on-demand stream counts',
        fix: 'Run preflight again.',
      };
    findings.push(`${count} of ${limit} on-demand streams in use; the app creates ${newStreams}`);
    fits &&= count + newStreams <= limit;
  }
  const detail = findings.join('; ');
  return fits
    ? { id: KINESIS_ID, title: KINESIS_TITLE, status: 'pass', detail, fix: '' }
    : { id: KINESIS_ID, title: KINESIS_TITLE, status: 'fail', detail, fix: KINESIS_FIX };
}

export const EMR_SERVERLESS_CHECK = { id: 'emr-serverless', title: 'EMR Serverless in the region' } as const;
const { id: EMR_ID, title: EMR_TITLE } = EMR_SERVERLESS_CHECK;

/** Network errors a client raises when a service has no endpoint in the region (its host name does not resolve). */
const NO_ENDPOINT = new Set(['ENOTFOUND', 'EAI_AGAIN']);

function networkCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

export async function checkEmrServerless(emr: EMRServerlessClient, target: PreflightTarget): Promise<CheckResult> {
  try {
    await emr.send(new ListApplicationsCommand({ maxResults: 1 }));
    return { id: EMR_ID, title: EMR_TITLE, status: 'pass', detail: `EMR Serverless answers in ${target.region}`, fix: '' };
  } catch (error) {
    const code = networkCode(error);
    if (code !== undefined && NO_ENDPOINT.has(code)) {
      return {
        id: EMR_ID,
        title: EMR_TITLE,
        status: 'fail',
        detail: `EMR Serverless has no endpoint in ${target.region} (${errorLine(error)}): the analytics stack cannot be created there`,
        fix: 'Deploy to a region that offers EMR Serverless (AWS Regional Services list).',
      };
    }
    return couldNotCheck(EMR_ID, EMR_TITLE, 'emr-serverless:ListApplications', error);
  }
}
