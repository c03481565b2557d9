/**
 * The pages a person looks at after (report.html) and during (the --serve live page) a local run. Both are
 * one self-contained HTML document: Chart.js (pinned in package.json) and the drawing code are inlined, so
 * the page opens from disk with no network. The report carries its data inline; the live page polls
 * `/live.json` on the server that served it.
 *
 * Every chart's numbers are also in the DOM (a table under each chart, and `data-*` attributes), so what a
 * chart shows can be checked without reading pixels.
 */
import type { RunOutcome } from '../../lib/run-outcome';
import type { DataQuality } from './data-quality';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MetricsWindow } from '../../lib/domain/live-metrics';
import type { DailyKpiRow } from '../../lib/kpi/daily-kpi';
import type { DimensionKpiRow } from '../../lib/kpi/dimension-kpi';

/** What both pages show. */
export interface PageData {
  readonly generated_at: string;
  /** False while the run is still going (live page only). */
  readonly done: boolean;
  readonly daily: readonly DailyKpiRow[];
  readonly by_dimension: readonly DimensionKpiRow[];
  /** 5-minute windows of all trips, by dropoff time. */
  readonly windows: readonly MetricsWindow[];
  readonly open_trips: number;
  readonly dead_letters_by_reason: Readonly<Record<string, number>>;
  /** summary.json's ledger, when the run has one. */
  readonly ledger: unknown;
  /** A finished run's outcome: a failed one gets a banner saying why. */
  readonly outcome?: RunOutcome;
  readonly data_quality?: DataQuality;
}

export const REPORT_FILE = 'report.html';

let chartLibrary: string | undefined;

/** Chart.js's browser build, read once, made safe to inline in a <script> element. */
function chartJs(): string {
  // The package exports only its module builds; the browser (UMD) build sits beside the CommonJS one.
  const umdBuild = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');
  chartLibrary ??= readFileSync(umdBuild, 'utf8').replaceAll('</script', '<\\/script');
  return chartLibrary;
}

/** JSON that can sit inside <script type="application/json"> whatever strings it holds. */
function inlineJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c');
}

const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(28rem, 1fr)); gap: 1.5rem; }
  figure { margin: 0; } canvas { max-height: 20rem; }
  table { border-collapse: collapse; font-size: 0.8rem; margin-top: 0.5rem; }
  td, th { border: 1px solid #ccc; padding: 0.15rem 0.4rem; text-align: right; } th { background: #f3f3f3; }
  details { margin-top: 0.3rem; } .stat { font-size: 2rem; font-weight: 600; }
`;

/**
 * The drawing code, run in the page. `render(data)` creates each chart once and updates it on later calls.
 * Written as plain browser JavaScript (no build step): it runs as is in the self-contained page.
 */
const CLIENT_SCRIPT = String.raw`
const charts = {};
const DIMENSIONS = ['vendor_id', 'payment_type', 'pickup_hour', 'pickup_location_id'];
const MOST_LOCATIONS = 20;

function table(id, headings, rows) {
  const element = document.getElementById(id);
  element.replaceChildren();
  const head = element.insertRow();
  for (const heading of headings) { const th = document.createElement('th'); th.textContent = heading; head.appendChild(th); }
  for (const row of rows) { const tr = element.insertRow(); for (const cell of row) tr.insertCell().textContent = String(cell); }
}

function chart(id, type, labels, datasets) {
  const canvas = document.getElementById(id);
  const figure = canvas.closest('figure');
  figure.dataset.labels = JSON.stringify(labels);
  figure.dataset.values = JSON.stringify(datasets.map((set) => set.data));
  if (charts[id] === undefined) {
    charts[id] = new Chart(canvas, {
      type,
      data: { labels, datasets },
      options: { animation: false, responsive: true, maintainAspectRatio: false, scales: datasets.length > 1 ? { y: { position: 'left' }, y1: { position: 'right', grid: { drawOnChartArea: false } } } : {} },
    });
  } else {
    charts[id].data.labels = labels;
    charts[id].data.datasets.forEach((set, index) => { set.data = datasets[index].data; });
    charts[id].update();
  }
  figure.dataset.rendered = 'true';
}

function byValue(rows, dimension) {
  const totals = new Map();
  for (const row of rows.filter((candidate) => candidate.dimension === dimension)) {
    const key = row.dimension_value === null ? '(blank)' : row.dimension_value;
    const total = totals.get(key) || { trips: 0, fareCents: 0 };
    total.trips += row.trip_count;
    total.fareCents += Math.round(row.total_fare * 100);
    totals.set(key, total);
  }
  let entries = [...totals.entries()];
  if (dimension === 'pickup_location_id') entries = entries.sort((a, b) => b[1].trips - a[1].trips || a[0].localeCompare(b[0])).slice(0, MOST_LOCATIONS);
  else entries = entries.sort((a, b) => a[0].localeCompare(b[0], 'en', { numeric: true }));
  return entries;
}

function ledgerRows(value, prefix) {
  if (value === null || typeof value !== 'object') return [[prefix, String(value)]];
  return Object.entries(value).flatMap(([key, inner]) => ledgerRows(inner, prefix === '' ? key : prefix + '.' + key));
}

function render(data) {
  document.getElementById('status').textContent = data.done ? 'Run finished, generated ' + data.generated_at : 'Run in progress, updated ' + data.generated_at;
  document.body.dataset.done = String(data.done);

  const dates = data.daily.map((row) => row.trip_date);
  chart('chart-daily', 'bar', dates, [
    { label: 'completed trips', data: data.daily.map((row) => row.trip_count), yAxisID: 'y' },
    { label: 'total fare', data: data.daily.map((row) => row.total_fare), type: 'line', yAxisID: 'y1' },
  ]);
  table('table-daily', ['date', 'trips', 'total fare', 'avg fare', 'min fare', 'max fare', 'tips', 'distance', 'avg minutes'],
    data.daily.map((row) => [row.trip_date, row.trip_count, row.total_fare.toFixed(2), row.average_fare.toFixed(2), row.min_fare.toFixed(2), row.max_fare.toFixed(2), row.total_tips.toFixed(2), row.total_distance.toFixed(2), row.average_trip_duration_minutes.toFixed(2)]));

  for (const dimension of DIMENSIONS) {
    const entries = byValue(data.by_dimension, dimension);
    chart('chart-' + dimension, 'bar', entries.map(([key]) => key), [
      { label: 'completed trips', data: entries.map(([, total]) => total.trips), yAxisID: 'y' },
      { label: 'total fare', data: entries.map(([, total]) => total.fareCents / 100), yAxisID: 'y1' },
    ]);
    table('table-' + dimension, [dimension, 'trips', 'total fare'], entries.map(([key, total]) => [key, total.trips, (total.fareCents / 100).toFixed(2)]));
  }

  chart('chart-windows', 'line', data.windows.map((window) => window.window_start), [
    { label: 'trips completed per 5 minutes', data: data.windows.map((window) => window.trip_count), yAxisID: 'y', pointRadius: 0 },
    { label: 'fares per 5 minutes', data: data.windows.map((window) => window.total_fare), yAxisID: 'y1', pointRadius: 0 },
  ]);
  const windowTrips = data.windows.reduce((sum, window) => sum + window.trip_count, 0);
  // Window fares are exact to six decimals: summed as integers, rounded to cents once, as the daily KPI is.
  const windowFareMicros = data.windows.reduce((sum, window) => sum + Math.round(window.total_fare * 1e6), 0);
  const windowFareCents = Math.floor((windowFareMicros + 5000) / 10000);
  const windowsFigure = document.getElementById('chart-windows').closest('figure');
  windowsFigure.dataset.totalTrips = String(windowTrips);
  windowsFigure.dataset.totalFare = (windowFareCents / 100).toFixed(2);
  document.getElementById('windows-total').textContent = data.windows.length + ' windows, ' + windowTrips + ' trips, total fare ' + (windowFareCents / 100).toFixed(2);
  table('table-windows', ['window start (UTC)', 'trips', 'total fare', 'avg minutes'],
    data.windows.map((window) => [window.window_start, window.trip_count, window.total_fare.toFixed(6), window.average_trip_duration_minutes.toFixed(2)]));

  const openTrips = document.getElementById('open-trips');
  openTrips.textContent = String(data.open_trips);
  openTrips.dataset.value = String(data.open_trips);

  const reasons = Object.entries(data.dead_letters_by_reason).sort(([a], [b]) => a.localeCompare(b));
  chart('chart-dead-letters', 'bar', reasons.map(([reason]) => reason), [{ label: 'dead letters', data: reasons.map(([, count]) => count) }]);
  table('table-dead-letters', ['reason', 'count'], reasons);

  const ledger = document.getElementById('ledger');
  ledger.dataset.present = String(data.ledger !== undefined && data.ledger !== null);
  if (data.ledger === undefined || data.ledger === null) table('table-ledger', ['ledger'], [['not in this run\'s summary']]);
  else table('table-ledger', ['entry', 'value'], ledgerRows(data.ledger, ''));
}
`;

function figure(id: string, title: string): string {
  return `<figure><figcaption>${title}</figcaption><div style="height:18rem"><canvas id="chart-${id}"></canvas></div>
    <details><summary>numbers</summary><table id="table-${id}"></table></details></figure>`;
}

function page(title: string, boot: string, inlineData?: unknown): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:">
<style>${STYLE}</style></head>
<body>
<h1>${title}</h1><p id="status"></p>
<h2>Daily KPIs</h2><div class="grid">${figure('daily', 'Completed trips and total fare per day (UTC pickup date)')}</div>
<h2>KPIs per dimension (all dates)</h2><div class="grid">
${figure('vendor_id', 'Per vendor')}${figure('payment_type', 'Per payment type')}
${figure('pickup_hour', 'Per pickup hour (UTC)')}${figure('pickup_location_id', 'Busiest pickup locations')}</div>
<h2>Live windows</h2><div class="grid">${figure('windows', 'Trips completing per 5-minute window (UTC dropoff)')}
<div><p>Open trips</p><p class="stat" id="open-trips"></p><p id="windows-total"></p></div></div>
<h2>Dead letters and ledger</h2><div class="grid">${figure('dead-letters', 'Dead letters by reason')}
<div id="ledger"><p>Ledger (summary.json)</p><table id="table-ledger"></table></div></div>
${inlineData === undefined ? '' : `<script type="application/json" id="report-data">${inlineJson(inlineData)}</script>`}
<script>${chartJs()}</script>
<script>${CLIENT_SCRIPT}
${boot}</script>
</body></html>
`;
}

/** The report of a finished run, with its data inline. */
export function renderReport(data: PageData): string {
  return page(
    'tripstream local run report',
    `render(JSON.parse(document.getElementById('report-data').textContent));`,
    data,
  );
}

/** The live page: polls the server's /live.json every second and redraws. */
export function renderLivePage(): string {
  return page(
    'tripstream live run',
    `async function poll() {
  try { const response = await fetch('/live.json', { cache: 'no-store' }); if (response.ok) render(await response.json()); }
  finally { setTimeout(poll, 1000); }
}
poll();`,
  );
}

export async function writeReport(outDir: string, data: PageData): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, REPORT_FILE);
  await writeFile(file, renderReport(data));
  return file;
}
