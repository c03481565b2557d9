/**
 * How soon a completed trip shows in the live metrics, measured in a paced local run (`--rate`): from the
 * moment the trip could complete (Kinesis acknowledged the later of its two halves) to the moment the
 * live-metrics mapping's final invocation of the tumbling window that counted its completion succeeded (the
 * window's partials are written then, and the API reads them). docs/local-runtime.md, "Live-traffic mode".
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { tripChangeOf } from '../../domain/live-metrics';
import type { LocalPipelineSettings, PipelineSettings } from '../../lib/config';
import { LIVE_LATENCY_BUDGET_SECONDS } from '../../lib/config';
import type { AcknowledgedRecord } from '../../producer/kinesis-sender';

/** summary.json `live_freshness` (docs/contracts.md §5). Seconds are local wall time. */
export interface LiveFreshness {
  /** Completions counted in a written window whose two halves this run's feed sent. */
  readonly completions_measured: number;
  /** Completions counted whose halves were not both sent by this run's feed (a --redrive letter): not timed. */
  readonly completions_untimed: number;
  /** Null when no completion was measured. */
  readonly p50_seconds: number | null;
  readonly p99_seconds: number | null;
  readonly max_seconds: number | null;
  readonly time_scale: number;
  /** The windows a completion can wait in, as the run had them (the deployed ones times time_scale). */
  readonly windows_seconds: { readonly trip_event_batching: number; readonly live_tumbling: number };
  /** The deployed goal: a completion visible within this at p99. */
  readonly budget_seconds: number;
  /** The goal in the run's compressed time: its windows are scaled, the handlers' and emulators' work is not. */
  readonly budget_seconds_scaled: number;
  /**
   * The local p99 with both windows waited in full at their deployed length: a bound on the deployed p99 as
   * long as AWS does the handlers' and streams' work no slower than the emulators did (pollers aside).
   */
  readonly deployed_p99_bound_seconds: number | null;
  /** The slowest completions (at most SLOWEST_NAMED), slowest first: where to look when the tail is long. */
  readonly slowest: readonly { readonly trip_id: string; readonly seconds: number }[];
}

const SLOWEST_NAMED = 5;

type Half = AcknowledgedRecord['kind'];

/** Per trip: when each half was first acknowledged, and when its completion was first written to the live metrics. */
export class CompletionTimes {
  private readonly acknowledgedAt = new Map<string, Partial<Record<Half, number>>>();
  private readonly visibleAt = new Map<string, number>();

  /** Records Kinesis acknowledged at `atMs` (a re-sent half keeps its first acknowledgement). */
  acknowledged(records: readonly Pick<AcknowledgedRecord, 'kind' | 'partitionKey'>[], atMs: number): void {
    for (const { kind, partitionKey } of records) {
      const halves = this.acknowledgedAt.get(partitionKey) ?? {};
      halves[kind] ??= atMs;
      this.acknowledgedAt.set(partitionKey, halves);
    }
  }

  /** A live-metrics window's records, written at `atMs`: its completions (halves 1 -> 2) became visible then. */
  windowClosed(records: readonly DynamoDBRecord[], atMs: number): void {
    for (const record of records) {
      const result = tripChangeOf(record);
      if (result.relevant && result.change?.kind === 'completed' && !this.visibleAt.has(result.change.tripId))
        this.visibleAt.set(result.change.tripId, atMs);
    }
  }

  /** Each visible completion's latency in ms (from its later half's acknowledgement), and those without one. */
  latencies(): { readonly latenciesMs: Map<string, number>; readonly untimed: number } {
    const latenciesMs = new Map<string, number>();
    let untimed = 0;
    for (const [tripId, visibleAt] of this.visibleAt) {
      const halves = this.acknowledgedAt.get(tripId);
      if (halves?.start === undefined || halves.end === undefined) untimed += 1;
      else latenciesMs.set(tripId, visibleAt - Math.max(halves.start, halves.end));
    }
    return { latenciesMs, untimed };
  }
}

/** The nearest-rank percentile (`fraction` in (0, 1]) of values sorted ascending; undefined when there are none. */
export function percentile(sortedAscending: readonly number[], fraction: number): number | undefined {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`a percentile is a fraction in (0, 1], got ${fraction}`);
  if (sortedAscending.length === 0) return undefined;
  return sortedAscending[Math.ceil(fraction * sortedAscending.length) - 1];
}

function seconds(ms: number | undefined): number | null {
  return ms === undefined ? null : Math.round(ms) / 1000;
}

/** The freshness of the run's completions, beside the windows and the budget they are held to. */
export function liveFreshness(times: CompletionTimes, settings: PipelineSettings | LocalPipelineSettings): LiveFreshness {
  const timeScale = 'localTimeScale' in settings ? settings.localTimeScale : 1;
  const { latenciesMs, untimed } = times.latencies();
  const sorted = [...latenciesMs.values()].sort((a, b) => a - b);
  const windows = {
    // The half that completes a trip may be either: it waits at most its own mapping's window.
    trip_event_batching: Math.max(settings.startMapping.maxBatchingWindowSeconds, settings.endMapping.maxBatchingWindowSeconds),
    live_tumbling: settings.liveMetricsMapping.tumblingWindowSeconds ?? 0,
  };
  const p99 = seconds(percentile(sorted, 0.99));
  const deployedWindows = (windows.trip_event_batching + windows.live_tumbling) / timeScale;
  return {
    completions_measured: sorted.length,
    completions_untimed: untimed,
    p50_seconds: seconds(percentile(sorted, 0.5)),
    p99_seconds: p99,
    max_seconds: seconds(sorted.at(-1)),
    time_scale: timeScale,
    windows_seconds: windows,
    budget_seconds: LIVE_LATENCY_BUDGET_SECONDS,
    budget_seconds_scaled: LIVE_LATENCY_BUDGET_SECONDS * timeScale,
    deployed_p99_bound_seconds: p99 === null ? null : Math.round((p99 + deployedWindows) * 1000) / 1000,
    slowest: [...latenciesMs]
      .sort(([, a], [, b]) => b - a)
      .slice(0, SLOWEST_NAMED)
      .map(([tripId, ms]) => ({ trip_id: tripId, seconds: Math.round(ms) / 1000 })),
  };
}

/** One line for the run's printed summary. */
export function describeLiveFreshness(freshness: LiveFreshness): string {
  const { p50_seconds: p50, p99_seconds: p99, max_seconds: max } = freshness;
  if (p50 === null || p99 === null || max === null) return `no completion measured (${freshness.completions_untimed} untimed)`;
  const untimed = freshness.completions_untimed === 0 ? '' : ` (${freshness.completions_untimed} untimed)`;
  return (
    `${freshness.completions_measured} completions visible in p50 ${p50}s, p99 ${p99}s, max ${max}s${untimed}; ` +
    `goal ${freshness.budget_seconds}s deployed, ${freshness.budget_seconds_scaled}s in this run's compressed time`
  );
}
