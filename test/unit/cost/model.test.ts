import { environments, type PipelineSettings } from '../../../lib/config';
import { MODEL_ASSUMPTIONS } from '../../../planning/cost/footprint';
import { formatCostReport } from '../../../planning/cost/format';
import {
  costReport,
  designTripsTableWriteUnitsPerTrip,
  liveBatch,
  liveMetricsWrites,
  tripsStreamShards,
} from '../../../planning/cost/model';
import { PRICES_US_EAST_1 } from '../../../planning/cost/prices';
import { type RunMeasurements, runMeasurementsOf } from '../../../planning/cost/run-measurements';

/** A run of 1,000 completed trips with round request counts, so every expected dollar is a product by hand. */
function run(overrides: Partial<RunMeasurements> = {}): RunMeasurements {
  return {
    trips_completed: 1000,
    sent: { start: 1000, end: 1000 },
    kpi_dates: ['2024-05-25'],
    aws_requests: {
      DynamoDB: { CreateTable: 2, UpdateItem: 2000, TransactWriteItems: 4 },
      Kinesis: { CreateStream: 2, PutRecords: 4, GetRecords: 300 },
      S3: { PutObject: 2 + 2, GetObject: 2 },
      SQS: { SendMessage: 10, ReceiveMessage: 500 },
    },
    lambda_invocations: { start: 2, end: 2, match: 1, 'live-metrics': 2 },
    ...overrides,
  };
}

const dev = (overrides: Partial<Parameters<typeof costReport>[0]> = {}) =>
  costReport({ run: run(), settings: environments.dev, environment: 'dev', tripsPerMonth: 1_000_000, ...overrides });

describe('liveBatch', () => {
  it('closes a batch when its window ends at a rate that cannot fill it: the first record plus what the window gathers', () => {
    // Prepare: one lane, 20 s window, 0.5 records/s
    const mapping = { batchSize: 1000, windowSeconds: 20, lanes: 1 };

    // Act
    const batch = liveBatch(mapping, 0.5, 1, 1, 800, MODEL_ASSUMPTIONS);

    // Assess
    expect(batch.gathered).toBeCloseTo(11);
    expect(batch.handled).toBeCloseTo(11);
    expect(batch.invocationsPerTrip).toBeCloseTo(1 / 11);
  });

  it("splits a feed over a mapping's lanes, each gathering its own batch", () => {
    // Prepare: the same feed over 4 lanes (2 shards x parallelization factor 2)
    const mapping = { batchSize: 1000, windowSeconds: 20, lanes: 4 };

    // Act
    const batch = liveBatch(mapping, 0.5, 1, 1, 800, MODEL_ASSUMPTIONS);

    // Assess: 0.125 records/s per lane
    expect(batch.gathered).toBeCloseTo(3.5);
  });

  it('caps a filtered batch at the 6 MB payload of the records that pass the filter, below batchSize', () => {
    // Prepare: staging at a replay's rate, one record in three passing, 2,000 bytes each
    const mapping = { batchSize: 10_000, windowSeconds: 300, lanes: 1 };

    // Act
    const batch = liveBatch(mapping, 10_000, 3, 1, 2_000, MODEL_ASSUMPTIONS);

    // Assess
    const payloadRecords = (6 * 1024 * 1024) / 2_000;
    expect(batch.handled).toBeCloseTo(payloadRecords);
    expect(batch.gathered).toBeCloseTo(payloadRecords * 3);
  });

  it('gives a mapping whose stream carried nothing no invocation', () => {
    // Act
    const batch = liveBatch({ batchSize: 250, windowSeconds: 20, lanes: 1 }, 1, 0, 0, 800, MODEL_ASSUMPTIONS);

    // Assess
    expect(batch).toEqual({ gathered: 0, handled: 0, invocationsPerTrip: 0 });
  });

  it('counts no invocation for the share of batches in which the filter passes nothing', () => {
    // Prepare: a trickle, each batch a single stream record that passes one time in three
    const mapping = { batchSize: 10_000, windowSeconds: 300, lanes: 1 };

    // Act
    const batch = liveBatch(mapping, 1e-9, 3, 1, 2_000, MODEL_ASSUMPTIONS);

    // Assess: one invocation per passing record, not one per stream record
    expect(batch.invocationsPerTrip).toBeCloseTo(1);
  });
});

describe('costReport', () => {
  it("prices the trips table's writes as measured, one write unit per UpdateItem of an item under 1 KB", () => {
    // Act
    const report = dev();

    // Assess: 2 UpdateItem per trip = 2M WRU per 1M trips at $0.625 per 1M
    const line = report.measured.lines.find((candidate) => candidate.item.startsWith('trips table writes'));
    expect(line?.quantityPerMillionTrips).toBe(2_000_000);
    expect(line?.dollarsPerMillionTrips).toBeCloseTo(1.25);
  });

  it("prices the run's metrics-table writes as measured: its DynamoDB writes beyond the trips table's, at the partials' units per request", () => {
    // Act: 2,000 trips-table writes of 2,300 UpdateItem and PutItem requests
    const report = dev({ run: run({ trips_table_writes: 2000, aws_requests: { DynamoDB: { UpdateItem: 2100, PutItem: 200 } } }) });

    // Assess
    const unitsPerRequest = liveMetricsWrites(report.tripsPerSecond, 1, 20, MODEL_ASSUMPTIONS).writeUnitsPerRequest;
    const line = report.measured.lines.find((candidate) => candidate.item.startsWith('live metrics partials'));
    expect(unitsPerRequest).toBeGreaterThan(1);
    expect(line?.quantityPerMillionTrips).toBeCloseTo(300_000 * unitsPerRequest, 0);
  });

  it('models the live-metrics partials per shard, window and entity kind, so the units per trip fall as the trips per window rise', () => {
    // Act
    const unitsPerTrip = (tripsPerMonth: number, item: string) =>
      (dev({ tripsPerMonth }).live.lines.find((candidate) => candidate.item.startsWith(item))?.quantityPerMillionTrips ?? 0) / 1_000_000;

    // Assess: at 1B trips a month (~380 trips/s) a 20 s window of one shard holds ~7,600 completions, in 1 window
    // (1.07 with a 5-minute boundary); each puts three partials: all (1 KB), the 2 vendors (1 KB), the 265
    // locations (300 + 265 x 28 bytes = 7,720: 8 KB, read as 2 x 4 KB), and the open trips (1 KB)
    const flushSeconds = environments.dev.liveMetricsMapping.tumblingWindowSeconds ?? 0;
    const tripsPerFlush = (1_000_000_000 / (730 * 3600)) * flushSeconds;
    const windows = 1 + flushSeconds / 300;
    expect(flushSeconds).toBe(20);
    expect(unitsPerTrip(1_000_000_000, 'live metrics partials')).toBeCloseTo((windows * (1 + 1 + 8) + 1) / tripsPerFlush, 5);
    expect(unitsPerTrip(1_000_000_000, 'reads (live metrics')).toBeCloseTo((windows * (1 + 1 + 2)) / tripsPerFlush, 5);
    expect(unitsPerTrip(20_000_000, 'live metrics partials')).toBeGreaterThan(unitsPerTrip(1_000_000_000, 'live metrics partials'));
    expect(unitsPerTrip(1_000_000, 'live metrics partials')).toBeGreaterThan(unitsPerTrip(20_000_000, 'live metrics partials'));
  });

  it("gives the trips table's stream a shard per 1,000 write units/s of trip writes, each shard flushing its own partials", () => {
    // Act
    const shardsAt = (tripsPerSecond: number) => tripsStreamShards(tripsPerSecond, 2, MODEL_ASSUMPTIONS);
    const writes = (streamShards: number) => liveMetricsWrites(1_000, streamShards, 20, MODEL_ASSUMPTIONS);

    // Assess: 1,000 trips/s x 2 WRU = 2,000 WRU/s, two partitions; each shard writes every item it touched
    expect(shardsAt(10)).toBe(1);
    expect(shardsAt(1_000)).toBe(2);
    expect(writes(2).writeUnitsPerSecond).toBeCloseTo(2 * writes(1).writeUnitsPerSecond, 6);
    expect(writes(2).writeUnitsPerTrip).toBeCloseTo(writes(2).writeUnitsPerSecond / 1_000, 9);
  });

  it("prices live trip writes as the design makes them for the run: one per event sent and per parked retry, not a slow emulator's re-sent attempts", () => {
    // Prepare: 1,000 trips, 2,000 events, 10 SQS messages of which 4 dead letters: 6 retries; 5,000 attempts measured
    const slow = run({
      trips_table_writes: 5000,
      aws_requests: { DynamoDB: { UpdateItem: 5000 }, SQS: { SendMessage: 10 } },
      dead_lettered: { messages: 4 },
    });

    // Act
    const report = dev({ run: slow });
    const tripWrites = (traffic: ReturnType<typeof dev>['live']) =>
      traffic.lines.find((candidate) => candidate.item.startsWith('trips table writes'))?.quantityPerMillionTrips;

    // Assess: live (2,000 + 6) / 1,000 trips; measured as measured; a run with fewer attempts keeps its own
    expect(tripWrites(report.live)).toBe(2_006_000);
    expect(tripWrites(report.measured)).toBe(5_000_000);
    expect(designTripsTableWriteUnitsPerTrip(run({ trips_table_writes: 1900 }), MODEL_ASSUMPTIONS)).toBe(1.9);
  });

  it("takes staging's PUTs as the run's PutObject less the KPI job's two files per date", () => {
    // Act
    const report = dev();

    // Assess: 4 PUTs, 2 of them the KPI job's, over 1,000 trips
    expect(report.measured.batching.stagedPutsPerThousandTrips).toBe(2);
  });

  it("reports the run's invocations per 1,000 trips and the records each handler got", () => {
    // Act
    const { batching } = dev().measured;

    // Assess
    expect(batching.totalInvocationsPerThousandTrips).toBe(7);
    expect(batching.recordsPerInvocation.start).toBe(500);
    expect(batching.recordsPerInvocation.match).toBe(1000);
  });

  it('models more invocations for a slower live feed, since every window closes with fewer records', () => {
    // Act
    const slow = dev({ tripsPerMonth: 100_000 }).live.batching;
    const fast = dev({ tripsPerMonth: 10_000_000 }).live.batching;

    // Assess
    expect(slow.totalInvocationsPerThousandTrips).toBeGreaterThan(fast.totalInvocationsPerThousandTrips);
    expect(slow.stagedPutsPerThousandTrips).toBeGreaterThan(fast.stagedPutsPerThousandTrips);
  });

  it('models the staging window at 1M trips a month: one file per 300 s batch of ~114 completions', () => {
    // Act
    const { live } = dev();

    // Assess: 0.3805 trips/s x 3 stream records x 300 s + 1 gathered, a third of them completions
    const completionsPerFile = (1 + (1_000_000 / (730 * 3600)) * 3 * 300) / 3;
    expect(live.batching.recordsPerInvocation.match).toBeCloseTo(completionsPerFile, 0);
    expect(live.batching.stagedPutsPerThousandTrips).toBeCloseTo((1000 / completionsPerFile) * (1 + 300 / 86_400), 1);
  });

  it("prices dev's fixed costs apart: one provisioned shard per stream, alarms, dashboards, keys", () => {
    // Act
    const { fixed } = dev();

    // Assess
    expect(fixed.byService.kinesis).toBeCloseTo(2 * 1 * 730 * 0.015);
    expect(fixed.lines.find((line) => line.item === 'alarms')?.dollarsPerMonth).toBeCloseTo(16 * 0.1);
    expect(fixed.lines.find((line) => line.item === 'dashboards')?.dollarsPerMonth).toBeCloseTo(2 * 3);
    expect(fixed.byService.kms).toBeCloseTo(2);
  });

  it("carries prod's design rate for less with its provisioned shards than with on-demand streams", () => {
    // Prepare: a month at 1,000 trips/s, Kinesis's fixed and variable cost together
    const tripsPerMonth = environments.prod.designTripsPerSecond * 730 * 3600;
    const onDemand: PipelineSettings = { ...environments.prod, kinesis: { ...environments.prod.kinesis, capacityMode: 'ON_DEMAND' } };
    const kinesisPerMonth = (settings: PipelineSettings) => {
      const report = costReport({ run: run(), settings, environment: 'prod', tripsPerMonth });
      return (report.fixed.byService.kinesis ?? 0) + ((report.live.byService.kinesis ?? 0) * tripsPerMonth) / 1_000_000;
    };

    // Act
    const [provisioned, scaling] = [kinesisPerMonth(environments.prod), kinesisPerMonth(onDemand)];

    // Assess
    expect(environments.prod.kinesis.capacityMode).toBe('PROVISIONED');
    expect(provisioned).toBeLessThan(scaling / 2);
  });

  it("prices prod's shards with their extended retention, and dev's former on-demand streams at $58.40", () => {
    // Prepare
    const onDemandDev: PipelineSettings = {
      ...environments.dev,
      kinesis: { capacityMode: 'ON_DEMAND', shardCount: 1, retentionHours: 24 },
    };

    // Act
    const prod = costReport({ run: run(), settings: environments.prod, environment: 'prod', tripsPerMonth: 1_000_000 });
    const onDemand = dev({ settings: onDemandDev });

    // Assess
    expect(prod.fixed.byService.kinesis).toBeCloseTo(2 * 3 * 730 * (0.015 + 0.02));
    expect(onDemand.fixed.byService.kinesis).toBeCloseTo(58.4);
  });

  it('adds a month of live variable cost to the fixed costs', () => {
    // Act
    const report = dev({ tripsPerMonth: 2_000_000 });

    // Assess
    expect(report.perMonth.variable).toBeCloseTo(report.live.dollarsPerMillionTrips * 2);
    expect(report.perMonth.total).toBeCloseTo(report.perMonth.variable + report.fixed.dollarsPerMonth);
  });

  it('names the price table it used', () => {
    // Act
    const report = dev();

    // Assess
    expect(report.prices).toEqual({ region: 'us-east-1', compiledOn: PRICES_US_EAST_1.compiledOn, sources: PRICES_US_EAST_1.sources });
  });

  it('lists the operations it does not price, an unknown one as unknown', () => {
    // Prepare
    const withUnknown = run({ aws_requests: { ...run().aws_requests, DynamoDB: { UpdateItem: 2000, BatchWriteItem: 3 } } });

    // Act
    const report = dev({ run: withUnknown });

    // Assess
    expect(report.unpricedOperations).toContainEqual({
      operation: 'DynamoDB.BatchWriteItem',
      count: 3,
      reason: expect.stringMatching(/^not in the model/),
    });
    expect(report.unpricedOperations).toContainEqual({
      operation: 'Kinesis.GetRecords',
      count: 300,
      reason: expect.stringMatching(/Lambda's event source mapping/),
    });
  });

  it('refuses a run that completed no trips, and a non-positive monthly figure', () => {
    // Act / Assess
    expect(() => dev({ run: run({ trips_completed: 0 }) })).toThrow(/completed no trips/);
    expect(() => dev({ tripsPerMonth: 0 })).toThrow(/trips per month must be positive/);
  });
});

describe('runMeasurementsOf', () => {
  it('names the missing and malformed fields of something that is not a summary', () => {
    // Act / Assess
    expect(() => runMeasurementsOf({ trips_completed: -1, sent: { start: 1 } })).toThrow(/trips_completed.*sent\.end.*kpi_dates/s);
  });
});

describe('formatCostReport', () => {
  it('shows both traffic cases per service, the fixed costs apart, and the month', () => {
    // Prepare
    const report = dev();

    // Act
    const text = formatCostReport(report);

    // Assess
    expect(text).toMatch(/variable, \$ per 1M completed trips\n\s+service\s+as measured\s+live\n/);
    expect(text).toMatch(/kinesis: shard-hours \(2 streams x 1 shards\)\s+1,460\s+shard-hours\s+\$21\.90/);
    expect(text).toContain(
      `per month: $${report.perMonth.variable.toFixed(3)} variable (live) + $${report.perMonth.fixed.toFixed(2)} fixed`,
    );
  });
});
