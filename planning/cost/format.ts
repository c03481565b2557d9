/** The cost report as text: the two traffic cases side by side per service, then the fixed costs. */
import type { CostReport, TrafficCost } from './model';
import { PRICED_SERVICES } from './prices';
import type { TrafficCostReport } from './traffic';

function dollars(value: number): string {
  return `$${value < 10 ? value.toFixed(3) : value.toFixed(2)}`;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_cell, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function batchingRows(cost: TrafficCost): string[] {
  const b = cost.batching;
  return [
    `  invocations / 1k trips: ${b.totalInvocationsPerThousandTrips} (${Object.entries(b.invocationsPerThousandTrips)
      .map(([handler, n]) => `${handler} ${n}`)
      .join(', ')})`,
    `  records / invocation: ${Object.entries(b.recordsPerInvocation)
      .map(([handler, n]) => `${handler} ${n}`)
      .join(', ')}`,
    `  staged S3 PUTs / 1k trips: ${b.stagedPutsPerThousandTrips}`,
  ];
}

export function formatCostReport(report: CostReport): string {
  const lines: string[] = [];
  lines.push(
    `cost of ${report.environment} (${report.prices.region} list prices compiled ${report.prices.compiledOn}), from a run of ${report.run.tripsCompleted} completed trips`,
  );
  lines.push(`live: ${report.tripsPerMonth.toLocaleString('en-US')} trips/month = ${report.tripsPerSecond} trips/s, evenly`);
  lines.push('');
  lines.push('variable, $ per 1M completed trips');
  const services = PRICED_SERVICES.filter(
    (service) => report.measured.byService[service] !== undefined || report.live.byService[service] !== undefined,
  );
  lines.push(
    ...table([
      ['service', 'as measured', 'live'],
      ...services.map((service) => [
        service,
        dollars(report.measured.byService[service] ?? 0),
        dollars(report.live.byService[service] ?? 0),
      ]),
      ['total', dollars(report.measured.dollarsPerMillionTrips), dollars(report.live.dollarsPerMillionTrips)],
    ]).map((line) => `  ${line}`),
  );
  lines.push('');
  lines.push('live, by item ($ per 1M trips)');
  lines.push(
    ...table([
      ['item', 'quantity', 'unit', '$'],
      ...[...report.live.lines]
        .sort((a, b) => b.dollarsPerMillionTrips - a.dollarsPerMillionTrips)
        .map((line) => [
          `${line.service}: ${line.item}`,
          line.quantityPerMillionTrips.toLocaleString('en-US'),
          line.unit,
          dollars(line.dollarsPerMillionTrips),
        ]),
    ]).map((line) => `  ${line}`),
  );
  lines.push('');
  lines.push('batching as measured');
  lines.push(...batchingRows(report.measured));
  lines.push('batching live');
  lines.push(...batchingRows(report.live));
  lines.push('');
  lines.push('fixed, $ per month');
  lines.push(
    ...table([
      ['item', 'quantity', 'unit', '$'],
      ...report.fixed.lines.map((line) => [
        `${line.service}: ${line.item}`,
        line.quantityPerMonth.toLocaleString('en-US'),
        line.unit,
        dollars(line.dollarsPerMonth),
      ]),
      ['total', '', '', dollars(report.fixed.dollarsPerMonth)],
    ]).map((line) => `  ${line}`),
  );
  lines.push('');
  lines.push(
    `per month: ${dollars(report.perMonth.variable)} variable (live) + ${dollars(report.perMonth.fixed)} fixed = ${dollars(report.perMonth.total)}`,
  );
  const unknown = report.unpricedOperations.filter((operation) => operation.reason.startsWith('not in the model'));
  if (unknown.length > 0)
    lines.push(`not priced (unknown to the model): ${unknown.map((operation) => `${operation.operation} x${operation.count}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** The live case at each volume, against its goal, with what dominates it. */
export function formatTrafficCost(report: TrafficCostReport): string {
  const lines = [`cost of ${report.environment} at traffic: the live case, variable $ per 1M completed trips (fixed costs apart)`, ''];
  lines.push(
    ...table([
      ['trips/month', 'trips/s', 'variable $/1M trips', 'goal', '', 'variable $/month', 'fixed $/month'],
      ...report.atTraffic.map((row) => [
        row.tripsPerMonth.toLocaleString('en-US'),
        String(row.tripsPerSecond),
        dollars(row.dollarsPerMillionTrips),
        row.goal === null ? '' : `<= ${dollars(row.goal)}`,
        row.meetsGoal === null ? '' : row.meetsGoal ? 'met' : 'missed',
        dollars(row.perMonth.variable),
        dollars(row.perMonth.fixed),
      ]),
    ]).map((line) => `  ${line}`),
  );
  for (const row of report.atTraffic) {
    lines.push('', `largest live lines at ${row.tripsPerMonth.toLocaleString('en-US')} trips/month ($ per 1M trips)`);
    lines.push(
      ...table(
        row.largestLines.map((line) => [
          line.item,
          `${line.quantityPerMillionTrips.toLocaleString('en-US')} ${line.unit}`,
          dollars(line.dollarsPerMillionTrips),
        ]),
      ).map((line) => `  ${line}`),
    );
  }
  lines.push('', 'one volume in full: --trips-per-month <n>');
  return `${lines.join('\n')}\n`;
}
