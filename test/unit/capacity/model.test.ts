import { readFileSync } from 'node:fs';
import { REFERENCE_RUN } from '../../../bin/commands/capacity';
import { environments, type PipelineSettings } from '../../../lib/config';
import { CAPACITY_ASSUMPTIONS } from '../../../planning/capacity/assumptions';
import { AWS_LIMITS } from '../../../planning/capacity/limits';
import { liveMetricsLoad } from '../../../planning/capacity/live-metrics-load';
import {
  type CapacityComponent,
  capacityReport,
  keepsHeadroom,
  kpiJobFootprint,
  kpiJobLoad,
  REQUIRED_HEADROOM,
} from '../../../planning/capacity/model';
import { MODEL_ASSUMPTIONS } from '../../../planning/cost/footprint';
import { runMeasurementsOf } from '../../../planning/cost/run-measurements';
import { runMeasurements } from '../../support/run-measurements';

const referenceRun = runMeasurementsOf(JSON.parse(readFileSync(REFERENCE_RUN, 'utf8')));

const short = (components: readonly CapacityComponent[]) =>
  components.filter((component) => !keepsHeadroom(component)).map((component) => `${component.component}: ${component.headroom}x`);

describe('capacityReport at each environment design rate, on the reference run', () => {
  it('holds prod at 2x headroom on every rate component at 1,000 trips/s, every count within its limit', () => {
    // Act
    const report = capacityReport({ run: referenceRun, settings: environments.prod, environment: 'prod', tripsPerSecond: 1_000 });

    // Assess
    expect(short(report.components)).toEqual([]);
    expect(report.holds).toBe(true);
    expect(environments.prod.designTripsPerSecond).toBe(1_000);
  });

  it('holds dev at 2x headroom at its own design rate', () => {
    // Act
    const report = capacityReport({
      run: referenceRun,
      settings: environments.dev,
      environment: 'dev',
      tripsPerSecond: environments.dev.designTripsPerSecond,
    });

    // Assess
    expect(short(report.components)).toEqual([]);
    expect(report.holds).toBe(true);
  });

  it('covers every component the capacity contract names', () => {
    // Act
    const names = capacityReport({ run: referenceRun, settings: environments.prod, environment: 'prod', tripsPerSecond: 1_000 })
      .components.map((c) => c.component)
      .join('\n');

    // Assess
    for (const pattern of [
      /trip-start stream: shard writes \(records\/s\)/,
      /trip-start stream: shard writes \(MB\/s\)/,
      /trip-end stream: shard reads/,
      /start mapping: records\/s per lane/,
      /start mapping: time of a full batch/,
      /match mapping/,
      /live-metrics mapping/,
      /trips table: writes/,
      /trips table: hottest item/,
      /metrics table: hottest partition key/,
      /trips table stream: readers per shard/,
      /retry queue/,
      /Firehose/,
      /metrics API/,
      /Athena: bytes scanned/,
      /daily KPI job: duration/,
      /Lambda: concurrent executions/,
      /live metrics: a completion to the metrics API, p99/,
    ])
      expect(names).toMatch(pattern);
  });
});

describe('the live metrics freshness', () => {
  const freshness = (settings: PipelineSettings, tripsPerSecond: number) =>
    capacityReport({ run: referenceRun, settings, environment: 'prod', tripsPerSecond }).components.find(
      (component) => component.component === 'live metrics: a completion to the metrics API, p99 (s)',
    );

  it('shows a completion within 60 s from a trickle to twice the design rate: the end window, the tumbling window and what the streams add', () => {
    // Act
    const atRates = [0.4, 1_000, 2_000].map((tripsPerSecond) => freshness(environments.prod, tripsPerSecond));

    // Assess: at a trickle both 20 s windows are waited in full; at 1,000 trips/s the end batch fills in ~2 s
    expect(atRates.map((component) => component?.kind)).toEqual(['latency', 'latency', 'latency']);
    expect(atRates[0]?.load).toBeGreaterThan(20 + 20 + 2 * 2);
    expect(atRates[0]?.load).toBeLessThanOrEqual(60);
    expect(atRates[1]?.load).toBeLessThan(30);
    expect(atRates.every((component) => component !== undefined && keepsHeadroom(component))).toBe(true);
  });

  it('flags a tumbling window that leaves no room for the end window inside the minute', () => {
    // Prepare
    const settings: PipelineSettings = {
      ...environments.prod,
      liveMetricsMapping: { ...environments.prod.liveMetricsMapping, tumblingWindowSeconds: 45 },
    };

    // Act
    const report = capacityReport({ run: referenceRun, settings, environment: 'prod', tripsPerSecond: 0.4 });

    // Assess
    expect(report.holds).toBe(false);
    expect(short(report.components)).toEqual([
      expect.stringMatching(/^live metrics: a completion to the metrics API, p99 \(s\): 0\.\d+x$/),
    ]);
    expect(report.firstWall.component).toMatch(/^live metrics: a completion/);
  });
});

describe('capacityReport', () => {
  it('gives headroom as limit over load, with the limit named and sourced', () => {
    // Act
    const report = capacityReport({ run: runMeasurements(), settings: environments.dev, environment: 'dev', tripsPerSecond: 10 });

    // Assess
    for (const component of report.components) {
      expect(Math.abs(component.headroom / (component.limit / component.load) - 1)).toBeLessThan(0.01);
      expect(component.source.url).toMatch(/^(https:\/\/docs\.aws\.amazon\.com\/|lib\/)/);
      expect(component.limitName.length).toBeGreaterThan(5);
    }
  });

  it('loads a provisioned shard with the measured records per trip over the shards', () => {
    // Prepare: 1,010 starts sent for 1,000 completed trips, two shards
    const settings: PipelineSettings = {
      ...environments.dev,
      kinesis: { ...environments.dev.kinesis, capacityMode: 'PROVISIONED', shardCount: 2 },
    };

    // Act
    const report = capacityReport({ run: runMeasurements(), settings, environment: 'dev', tripsPerSecond: 1_000 });
    const shardWrites = report.components.find((c) => c.component === 'trip-start stream: shard writes (records/s)');

    // Assess
    expect(shardWrites).toMatchObject({ load: 505, limit: AWS_LIMITS.kinesisShardWriteRecords.value, headroom: 1.98 });
  });

  it('flags the stream shards and their lanes when prod keeps its two old shards at 1,000 trips/s', () => {
    // Prepare
    const settings: PipelineSettings = { ...environments.prod, kinesis: { ...environments.prod.kinesis, shardCount: 2 } };

    // Act
    const report = capacityReport({ run: runMeasurements(), settings, environment: 'prod', tripsPerSecond: 1_000 });

    // Assess
    expect(report.holds).toBe(false);
    expect(short(report.components)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^trip-start stream: shard writes \(records\/s\): 1\.9\d*x$/),
        expect.stringMatching(/^start mapping: records\/s per lane \(6 lanes\)/),
      ]),
    );
    expect(report.firstWall.headroom).toBeLessThan(REQUIRED_HEADROOM);
  });

  it("flags the Athena cap of the old 1 GiB at prod's design rate", () => {
    // Prepare
    const settings: PipelineSettings = { ...environments.prod, athena: { bytesScannedCutoffPerQuery: 1_073_741_824 } };

    // Act
    const athena = capacityReport({ run: runMeasurements(), settings, environment: 'prod', tripsPerSecond: 1_000 }).components.find((c) =>
      c.component.startsWith('Athena'),
    );

    // Assess
    expect(athena?.load).toBeCloseTo((1_000 * 86_400 * CAPACITY_ASSUMPTIONS.stagedBytesPerTrip) / 1e9, 1);
    expect(athena?.headroom).toBeLessThan(1);
  });

  it("uses the run's trip writes, retries included, for the trips table", () => {
    // Prepare: a run that wrote each trip three times
    const run = runMeasurements({ aws_requests: { DynamoDB: { UpdateItem: 3_000 } } });

    // Act
    const report = capacityReport({ run, settings: environments.prod, environment: 'prod', tripsPerSecond: 1_000 });

    // Assess
    expect(report.components.find((c) => c.component === 'trips table: writes (WRU/s)')?.load).toBe(3_000);
    expect(report.derived.tripsStreamShards).toBe(3);
  });

  it('holds the retry queue to the assumed storm even when the run retried nothing', () => {
    // Act
    const report = capacityReport({ run: runMeasurements(), settings: environments.prod, environment: 'prod', tripsPerSecond: 1_000 });
    const redrive = report.components.find((c) => c.component.startsWith('retry queue: redrive mapping'));

    // Assess
    expect(redrive?.load).toBeCloseTo(1_000 * CAPACITY_ASSUMPTIONS.retryShareFloor * 2.015, 1);
  });

  it('refuses a run without completed trips and a rate that is not positive', () => {
    // Assess
    expect(() =>
      capacityReport({ run: runMeasurements({ trips_completed: 0 }), settings: environments.dev, environment: 'dev', tripsPerSecond: 1 }),
    ).toThrow(/no trips/);
    expect(() => capacityReport({ run: runMeasurements(), settings: environments.dev, environment: 'dev', tripsPerSecond: 0 })).toThrow(
      /positive/,
    );
  });
});

describe('kpiJobLoad', () => {
  it("reads the look-back days and yesterday, and takes the trips over the executors' cores at the measured throughput", () => {
    // Prepare
    const settings = environments.prod;
    const cores = kpiJobFootprint(settings.kpi.job).executorCores;

    // Act
    const load = kpiJobLoad(settings, 1_000);

    // Assess
    expect(load.tripsPerRun).toBe(1_000 * 86_400 * (settings.kpi.lookbackDays + 1));
    expect(load.minutes).toBeCloseTo(
      CAPACITY_ASSUMPTIONS.kpiJobStartMinutes + load.tripsPerRun / (CAPACITY_ASSUMPTIONS.kpiJobTripsPerSecondPerCore * cores) / 60,
      6,
    );
  });

  it('fits every environment job in its application maximum capacity', () => {
    for (const settings of Object.values(environments)) {
      // Act
      const footprint = kpiJobFootprint(settings.kpi.job);

      // Assess
      expect(`${footprint.vcpus} vCPU`).toBe(settings.kpi.maxCapacity.cpu);
      expect(`${footprint.memoryGb} GB`).toBe(settings.kpi.maxCapacity.memory);
      expect(`${footprint.diskGb} GB`).toBe(settings.kpi.maxCapacity.disk);
    }
  });
});

describe('liveMetricsLoad (per-shard partials, one item per window and entity kind, put once per flush)', () => {
  it("puts the busiest partition key's items once per flush per shard: the locations' partial, 8 KB at most, whatever the rate", () => {
    // Act
    const loads = [0.1, 1_000, 100_000].map((tripsPerSecond) =>
      liveMetricsLoad({ tripsPerSecond, streamShards: 3, flushSeconds: 20, costAssumptions: MODEL_ASSUMPTIONS }),
    );

    // Assess: 3 shards x 1.07 windows per flush x 8 WRU / 20 s
    for (const load of loads.slice(1)) {
      expect(load.hottestKeyWriteUnitsPerSecond).toBeCloseTo((3 * (1 + 20 / 300) * 8) / 20, 6);
      expect(load.writersPerItem).toBe(1);
    }
    expect(loads[0]?.hottestKeyWriteUnitsPerSecond).toBeLessThan(loads[1]?.hottestKeyWriteUnitsPerSecond ?? 0);
    expect(loads[2]?.writeUnitsPerSecond).toBeCloseTo(loads[1]?.writeUnitsPerSecond ?? 0, 6);
  });
});
