/**
 * The metrics API of docs/contracts.md §6b, independent of how a request arrives: the Lambda handler behind API
 * Gateway and the local `--serve` server both resolve a route, validate the query and answer through here.
 *
 *   GET /metrics/{entity}/{id}?from=<ISO instant>&to=<ISO instant>   entity: all (id all), vendor, pickup_location
 *   GET /metrics/open
 */

import { METRIC_ENTITIES, type MetricEntity, type MetricsWindow, windowStartOf } from './live-metrics';
import * as z from './validation';

/** The longest range one request may cover: 31 days are 8,928 windows, well inside a response. */
const MAX_METRICS_RANGE_DAYS = 31;

export interface MetricsReader {
  windows(entity: MetricEntity, id: string, fromWindowStart: string, toInclusive: string): Promise<MetricsWindow[]>;
  openTrips(): Promise<number>;
}

export type MetricsRoute =
  | { readonly kind: 'open' }
  | { readonly kind: 'windows'; readonly entity: string; readonly id: string }
  | { readonly kind: 'unknown'; readonly path: string };

export interface MetricsResponse {
  readonly statusCode: number;
  readonly body: unknown;
}

/** The route of a request path (`/metrics/open`, `/metrics/vendor/2`); segments are URL-decoded. */
export function metricsRouteOf(path: string): MetricsRoute {
  if (path === '/metrics/open') return { kind: 'open' };
  const match = /^\/metrics\/([^/]+)\/([^/]+)$/.exec(path);
  if (match === null) return { kind: 'unknown', path };
  try {
    return { kind: 'windows', entity: decodeURIComponent(match[1] ?? ''), id: decodeURIComponent(match[2] ?? '') };
  } catch {
    return { kind: 'unknown', path };
  }
}

const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant with a zone, e.g. 2024-05-25T13:00:00Z' });
const rangeSchema = z
  .pipe(
    z.strictObject({ from: instant, to: instant }),
    z.transform(({ from, to }) => ({ fromMs: Date.parse(from), toMs: Date.parse(to) })),
  )
  .check(
    z.refine(({ fromMs, toMs }) => fromMs < toMs, { message: 'from must be before to' }),
    z.refine(({ fromMs, toMs }) => toMs - fromMs <= MAX_METRICS_RANGE_DAYS * 86_400_000, {
      message: `the range may cover at most ${MAX_METRICS_RANGE_DAYS} days`,
    }),
  );
const entitySchema = z.enum(METRIC_ENTITIES, { message: `entity must be one of ${METRIC_ENTITIES.join(', ')}` });
/** Ids are the integer codes of the trip events (`"1"`, `"74"`), without leading zeros. */
const codeSchema = z.string().check(z.regex(/^(?:0|[1-9]\d{0,8})$/, 'id must be an integer code such as 1 or 74'));

function badRequest(message: string): MetricsResponse {
  return { statusCode: 400, body: { message } };
}

function describe(error: z.core.$ZodError): string {
  return error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message)).join('; ');
}

export async function answerMetricsRequest(
  route: MetricsRoute,
  query: Readonly<Record<string, string | undefined>>,
  reader: MetricsReader,
): Promise<MetricsResponse> {
  if (route.kind === 'unknown') return { statusCode: 404, body: { message: `no such resource: ${route.path}` } };
  if (route.kind === 'open') {
    if (Object.keys(query).length > 0) return badRequest('/metrics/open takes no query parameters');
    return { statusCode: 200, body: { open_trips: await reader.openTrips() } };
  }
  const entity = entitySchema.safeParse(route.entity);
  if (!entity.success) return badRequest(describe(entity.error));
  const id =
    entity.data === 'all'
      ? z.literal('all', { message: 'the id of entity all is all' }).safeParse(route.id)
      : codeSchema.safeParse(route.id);
  if (!id.success) return badRequest(describe(id.error));
  const range = rangeSchema.safeParse(Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined)));
  if (!range.success) return badRequest(describe(range.error));

  // Every window that overlaps [from, to): from the window holding `from` to the last start before `to`.
  const windows = await reader.windows(entity.data, id.data, windowStartOf(range.data.fromMs), new Date(range.data.toMs - 1).toISOString());
  return { statusCode: 200, body: { entity: entity.data, id: id.data, windows } };
}
