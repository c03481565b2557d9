/** The capacity report as text: one line per component, its load, limit and headroom, then the first wall. */
import type { CapacityComponent, CapacityReport } from './model';
import { keepsHeadroom } from './model';

function figure(value: number): string {
  if (value === 0) return '0';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

function row(component: CapacityComponent): string[] {
  return [
    component.component,
    `${figure(component.load)} ${component.unit}`,
    `${figure(component.limit)} ${component.unit}`,
    `${figure(component.headroom)}x`,
    keepsHeadroom(component)
      ? ''
      : component.kind === 'rate'
        ? 'under 2x'
        : component.kind === 'latency'
          ? 'over the budget'
          : 'over the limit',
  ];
}

export function formatCapacityReport(report: CapacityReport): string {
  const rows = [['component', 'load', 'limit', 'headroom', ''], ...report.components.map(row)];
  const widths = rows[0]?.map((_cell, column) => Math.max(...rows.map((cells) => cells[column]?.length ?? 0))) ?? [];
  const lines = [
    `capacity of ${report.environment} at ${report.tripsPerSecond.toLocaleString('en-US')} trips/s (design rate ${report.designTripsPerSecond.toLocaleString('en-US')} trips/s)`,
    '',
    ...rows.map((cells) =>
      cells
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    ),
    '',
    `first wall: ${report.firstWall.component}, ${figure(report.firstWall.headroom)}x (${report.firstWall.limitName})`,
    `trips-table stream shards: ${report.derived.tripsStreamShards}; KPI run: ${report.derived.kpiJob.tripsPerRun.toLocaleString('en-US')} trips, ${report.derived.kpiJob.inputGb} GB, ${report.derived.kpiJob.minutes} min on ${report.derived.kpiJob.vcpus} vCPU`,
    report.holds
      ? 'every component keeps its headroom (rate: 2x; count and latency: within their limit)'
      : 'NOT every component keeps its headroom: see the flagged rows',
    '',
    'limits and their sources:',
    ...[...new Map(report.components.map((component) => [component.limitName, component.source])).entries()].map(
      ([name, source]) => `  ${name}: ${source.title} <${source.url}>`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
