/** The report as a person reads it: one row per check (check, status, detail), its fix under it. */
import { type PipelineSettings, stackNames } from '../../lib/config';
import type { CheckStatus } from './check';
import type { PreflightReport } from './preflight';

const STATUS_LABELS: Record<CheckStatus, string> = { pass: 'pass', fail: 'FAIL', 'could-not-check': 'could not check' };

export function formatPreflightReport(report: PreflightReport, settings: PipelineSettings): string {
  const where =
    report.account === null ? 'with no usable credentials or region' : `in account ${report.account}, region ${report.region ?? ''}`;
  const header = ['check', 'status', 'detail'] as const;
  const rows = report.checks.map((check) => [check.title, STATUS_LABELS[check.status], check.detail] as const);
  const widths = [0, 1].map((column) => Math.max(header[column]?.length ?? 0, ...rows.map((row) => row[column]?.length ?? 0)));
  const [checkWidth = 0, statusWidth = 0] = widths;
  const line = (cells: readonly string[]) =>
    `${(cells[0] ?? '').padEnd(checkWidth)}  ${(cells[1] ?? '').padEnd(statusWidth)}  ${cells[2] ?? ''}`.trimEnd();
  const fixIndent = ' '.repeat(checkWidth + statusWidth + 4);
  const lines = [`preflight of ${report.env} (stacks ${Object.values(stackNames(settings)).join(', ')}) ${where}`, '', line(header)];
  report.checks.forEach((check, index) => {
    lines.push(line(rows[index] ?? []));
    if (check.fix !== '') lines.push(`${fixIndent}fix: ${check.fix}`);
  });
  const failed = report.checks.filter((check) => check.status === 'fail').map((check) => check.title);
  const unknown = report.checks.filter((check) => check.status === 'could-not-check').map((check) => check.title);
  lines.push('');
  if (report.account === null) {
    lines.push(`nothing was checked: ${report.checks[0]?.title ?? 'credentials and region'} first`);
    return `${lines.join('\n')}\n`;
  }
  if (failed.length === 0 && unknown.length === 0) lines.push(`ready to deploy ${report.env}: every check passed`);
  if (failed.length > 0) lines.push(`not ready: ${failed.length} check${failed.length === 1 ? '' : 's'} failed: ${failed.join('; ')}`);
  if (unknown.length > 0) lines.push(`${unknown.length} check${unknown.length === 1 ? '' : 's'} could not be made: ${unknown.join('; ')}`);
  return `${lines.join('\n')}\n`;
}
