/**
 * What a person sees of a local run: `--serve <port>` serves the live page and the metrics API (docs/contracts.md
 * §6b, through the same query module as the deployed Lambda) on 127.0.0.1 while the run goes on, and every
 * run writes `<out>/report.html` at the end.
 *
 * The emulators stop when the run ends, so on drain the metrics table is read into memory once and the server
 * goes on answering from that copy until it is interrupted.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { MetricsTable, WindowTotals, windowPartialOf } from '../../aws/metrics-table';
import { errorText } from '../../domain/error-text';
import { type MetricEntity, type MetricsWindow, OPEN_TRIPS_PARTITION } from '../../domain/live-metrics';
import { answerMetricsRequest, type MetricsReader, metricsRouteOf } from '../../domain/metrics-api';
import type { DailyKpiRow } from '../../kpi/daily-kpi';
import type { DimensionKpiRow } from '../../kpi/dimension-kpi';
import type { DataQuality } from './data-quality';
import { type PageData, renderLivePage, writeReport } from './report-page';
import type { RunOutcome } from './run-outcome';

/** Every window of an entity: the widest range the table's ISO sort keys can hold. */
export const ALL_TIME = ['1970-01-01T00:00:00.000Z', '2100-01-01T00:00:00.000Z'] as const;

/** What the run knows once it has drained: KPIs, dead letters per reason, the ledger. */
export interface RunResults {
  readonly daily: readonly DailyKpiRow[];
  readonly byDimension: readonly DimensionKpiRow[];
  readonly deadLettersByReason: Readonly<Record<string, number>>;
  readonly ledger: unknown;
  readonly outcome?: RunOutcome;
  readonly dataQuality?: DataQuality;
}

export interface LiveServer {
  readonly url: string;
  /** Serves from `reader` from now on, with the run's results. */
  finish(reader: MetricsReader, results: RunResults): void;
  close(): Promise<void>;
}

export interface LiveServerOptions {
  readonly port: number;
  readonly reader: MetricsReader;
  /** Dead letters per reason so far (the handlers' own tally while the run goes on). */
  readonly deadLettersSoFar: () => Record<string, number>;
}

async function pageData(
  reader: MetricsReader,
  results: RunResults | undefined,
  deadLettersSoFar: () => Record<string, number>,
): Promise<PageData> {
  const [windows, openTrips] = await Promise.all([reader.windows('all', 'all', ...ALL_TIME), reader.openTrips()]);
  return {
    generated_at: new Date().toISOString(),
    done: results !== undefined,
    daily: results?.daily ?? [],
    by_dimension: results?.byDimension ?? [],
    windows,
    open_trips: openTrips,
    dead_letters_by_reason: results?.deadLettersByReason ?? deadLettersSoFar(),
    ledger: results?.ledger ?? null,
    ...(results?.outcome === undefined ? {} : { outcome: results.outcome }),
    ...(results?.dataQuality === undefined ? {} : { data_quality: results.dataQuality }),
  };
}

export async function startLiveServer(options: LiveServerOptions): Promise<LiveServer> {
  let reader = options.reader;
  let results: RunResults | undefined;
  const livePage = renderLivePage();
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, contentType: string, body: string): void => {
      response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (request.method !== 'GET') {
      send(405, 'application/json', JSON.stringify({ message: `${request.method ?? '?'} is not served; use GET` }));
      return;
    }
    const answer = async (): Promise<void> => {
      if (url.pathname === '/') return send(200, 'text/html; charset=utf-8', livePage);
      if (url.pathname === '/live.json')
        return send(200, 'application/json', JSON.stringify(await pageData(reader, results, options.deadLettersSoFar)));
      const query = Object.fromEntries(url.searchParams.entries());
      const answered = await answerMetricsRequest(metricsRouteOf(url.pathname), query, reader);
      send(answered.statusCode, 'application/json', JSON.stringify(answered.body));
    };
    answer().catch((error: unknown) => {
      send(500, 'application/json', JSON.stringify({ message: errorText(error) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    finish(finalReader, finalResults) {
      reader = finalReader;
      results = finalResults;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The metrics table read once into memory, answering like the table (windows sorted by start). */
export class MetricsSnapshot implements MetricsReader {
  private constructor(
    /** Each id's windows, keyed `window#<entity>#<id>`. */
    private readonly byEntityId: ReadonlyMap<string, WindowTotals>,
    private readonly open: number,
  ) {}

  static async read(dynamodb: DynamoDBClient, tableName: string): Promise<MetricsSnapshot> {
    const documents = DynamoDBDocumentClient.from(dynamodb);
    // Every shard's partial of a window and entity kind holds its ids' sums: summed per id and window.
    const byEntityId = new Map<string, WindowTotals>();
    let open = 0;
    for await (const page of paginateScan({ client: documents }, { TableName: tableName, ConsistentRead: true })) {
      for (const item of page.Items ?? []) {
        const pk = String(item.pk);
        if (pk === OPEN_TRIPS_PARTITION) open += Number(item.open_trips);
        if (!pk.startsWith('window#')) continue;
        const { windowStart, sums } = windowPartialOf(item);
        for (const [id, idSums] of Object.entries(sums)) {
          const totals = byEntityId.get(`${pk}#${id}`) ?? new WindowTotals();
          totals.add(windowStart, idSums);
          byEntityId.set(`${pk}#${id}`, totals);
        }
      }
    }
    return new MetricsSnapshot(byEntityId, open);
  }

  windows(entity: MetricEntity, id: string, fromWindowStart: string, toInclusive: string): Promise<MetricsWindow[]> {
    return Promise.resolve(this.byEntityId.get(`window#${entity}#${id}`)?.windows(fromWindowStart, toInclusive) ?? []);
  }

  openTrips(): Promise<number> {
    return Promise.resolve(this.open);
  }
}

/** The live reader of a run: the metrics table on the emulator, through the handlers' own adapter. */
export function liveMetricsReader(dynamodb: DynamoDBClient, tableName: string): MetricsReader {
  // Retention only matters for writes, which this reader never makes.
  return new MetricsTable(DynamoDBDocumentClient.from(dynamodb), tableName, { windowDays: 1 });
}

/**
 * The end of a run, seen by a person: report.html written from the final state, and the live server (if
 * any) switched to a copy of the metrics that outlives the emulators.
 */
export async function publishRunPages(options: {
  readonly outDir: string;
  readonly snapshot: MetricsSnapshot;
  readonly results: RunResults;
  readonly live: LiveServer | undefined;
}): Promise<string> {
  const { snapshot } = options;
  options.live?.finish(snapshot, options.results);
  return writeReport(options.outDir, await pageData(snapshot, options.results, () => ({})));
}

/** Dead letters per reason as the handlers count them (`DeadLettered:<reason>`), for the live page. */
export class DeadLetterCounter {
  private readonly counts: Record<string, number> = {};

  /** An observer for observeOutcomes (lambdas/common/observability.ts). */
  readonly observer = {
    counted: (name: string, count: number): void => {
      if (!name.startsWith('DeadLettered:')) return;
      const reason = name.slice('DeadLettered:'.length);
      this.counts[reason] = (this.counts[reason] ?? 0) + count;
    },
  };

  byReason(): Record<string, number> {
    return { ...this.counts };
  }
}
