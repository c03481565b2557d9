/**
 * The pages a person looks at after (report.html) and during (the --serve live page) a local run. Both are
 * one self-contained HTML document: Chart.js (pinned in package.json) and the drawing code are inlined, so
 * the page opens from disk with no network. The report carries its data inline; the live page polls
 * `/live.json` on the server that served it.
 *
 * Every chart's numbers are also in the DOM (a table under each chart, and `data-*` attributes), so what a
 * chart shows can be checked without reading pixels.
 */

import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MetricsWindow } from '../../domain/live-metrics';
import { CODE_LABELS, type LabelledCode } from '../../kpi/code-labels';
import type { DailyKpiRow } from '../../kpi/daily-kpi';
import type { DimensionKpiRow } from '../../kpi/dimension-kpi';
import type { DataQuality } from './data-quality';
import type { RunOutcome } from './run-outcome';

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

const REPORT_FILE = 'report.html';

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
  #outcome[data-status="failed"] { background: #b00020; color: #fff; padding: 0.8rem 1rem; font-weight: 600; border-radius: 4px; }
  #outcome[data-status="succeeded"] { display: none; }
  .headline { display: flex; flex-wrap: wrap; gap: 1rem 2.5rem; } .headline div { min-width: 8rem; } .headline .label { color: #555; font-size: 0.85rem; }
  .flags td, .flags th { text-align: left; }
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

function codeLabel(dimension, code) {
  if (code === '(blank)') return code;
  if (dimension === 'pickup_location_id') return 'location ' + code;
  const name = (CODE_LABELS[dimension] || {})[code];
  return name === undefined ? code : code + ' · ' + name;
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

const FIVE_MINUTES = 300000;

/** Every 5-minute window from the first to the last, an empty one as zero: a day's shape at a glance. */
function filledWindows(windows) {
  const byStart = new Map(windows.map((window) => [Date.parse(window.window_start), window]));
  const starts = [...byStart.keys()].sort((a, b) => a - b);
  const points = [];
  if (starts.length === 0) return points;
  for (let at = starts[0]; at <= starts[starts.length - 1]; at += FIVE_MINUTES) {
    const window = byStart.get(at);
    points.push({ at, trips: window ? window.trip_count : 0, fare: window ? window.total_fare : 0 });
  }
  return points;
}

function timeLabel(ms) {
  const iso = new Date(ms).toISOString();
  return iso.slice(11, 16) === '00:00' ? iso.slice(5, 10) : iso.slice(11, 16);
}

function timeline(windows) {
  const points = filledWindows(windows);
  const canvas = document.getElementById('chart-windows');
  const figure = canvas.closest('figure');
  figure.dataset.points = JSON.stringify(points.map((point) => [new Date(point.at).toISOString(), point.trips]));
  const datasets = [
    { label: 'trips completed per 5 minutes', data: points.map((point) => ({ x: point.at, y: point.trips })), yAxisID: 'y', pointRadius: 0, borderWidth: 1, stepped: true },
    { label: 'fares per 5 minutes', data: points.map((point) => ({ x: point.at, y: point.fare })), yAxisID: 'y1', pointRadius: 0, borderWidth: 1, stepped: true },
  ];
  if (charts['chart-windows'] === undefined) {
    charts['chart-windows'] = new Chart(canvas, {
      type: 'line',
      data: { datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false, parsing: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'UTC dropoff time (MM-DD at midnight)' },
               ticks: { stepSize: 3 * 3600000, callback: (value) => timeLabel(value), maxRotation: 0, autoSkip: true } },
          y: { position: 'left', beginAtZero: true, title: { display: true, text: 'trips' } },
          y1: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'fares' } },
        },
        plugins: { tooltip: { callbacks: { title: (items) => items.length ? new Date(items[0].parsed.x).toISOString().slice(0, 16).replace('T', ' ') : '' } } },
      },
    });
  } else {
    charts['chart-windows'].data.datasets.forEach((set, index) => { set.data = datasets[index].data; });
    charts['chart-windows'].update();
  }
  figure.dataset.rendered = 'true';
}

function headline(data) {
  const trips = data.daily.reduce((sum, row) => sum + row.trip_count, 0);
  const fareCents = data.daily.reduce((sum, row) => sum + Math.round(row.total_fare * 100), 0);
  const tipCents = data.daily.reduce((sum, row) => sum + Math.round(row.total_tips * 100), 0);
  const deadLetters = Object.values(data.dead_letters_by_reason).reduce((sum, count) => sum + count, 0);
  const tiles = [
    ['trips', 'completed trips', String(trips)],
    ['fare', 'total fare', (fareCents / 100).toFixed(2)],
    ['tips', 'total tips', (tipCents / 100).toFixed(2)],
    ['average-fare', 'average fare', trips === 0 ? '-' : (fareCents / 100 / trips).toFixed(2)],
    ['days', 'pickup days', String(data.daily.length)],
    ['open', 'open trips', String(data.open_trips)],
    ['dead-letters', 'dead letters', String(deadLetters)],
  ];
  const element = document.getElementById('headline');
  element.replaceChildren();
  for (const [key, label, value] of tiles) {
    const tile = document.createElement('div');
    tile.dataset.key = key;
    tile.dataset.value = value;
    const number = document.createElement('div'); number.className = 'stat'; number.textContent = value;
    const caption = document.createElement('div'); caption.className = 'label'; caption.textContent = label;
    tile.append(number, caption);
    element.appendChild(tile);
  }
}

function outcome(data) {
  const banner = document.getElementById('outcome');
  const status = data.outcome ? data.outcome.status : (data.done ? 'succeeded' : 'running');
  banner.dataset.status = status;
  document.body.dataset.outcome = status;
  banner.textContent = status === 'failed'
    ? 'This run FAILED: ' + (data.outcome.reason || 'see summary.json') + ' Its numbers below are not a finished run\'s.'
    : '';
  const when = data.generated_at;
  document.getElementById('status').textContent = status === 'failed' ? 'Run failed, generated ' + when
    : data.done ? 'Run finished, generated ' + when : 'Run in progress, updated ' + when;
}

function dataQuality(quality) {
  const section = document.getElementById('data-quality');
  if (!quality) { section.dataset.present = 'false'; return; }
  section.dataset.present = 'true';
  const scientific = quality.scientific_notation_ids.start.map((id) => ['trip_start.csv', id]).concat(quality.scientific_notation_ids.end.map((id) => ['trip_end.csv', id]));
  section.dataset.scientific = String(scientific.length);
  section.dataset.pairs = String(quality.mangled_id_pairs.length);
  section.dataset.outliers = String(quality.outliers.length);
  table('table-scientific', ['file', 'trip_id in scientific notation'], scientific.length ? scientific : [['-', 'none']]);
  table('table-pairs', ['open start', 'orphan end', 'spreadsheet rewrite undone'],
    quality.mangled_id_pairs.length ? quality.mangled_id_pairs.map((pair) => [pair.open_start, pair.orphan_end, pair.undone]) : [['none', '', '']]);
  table('table-outliers', ['trip_id', 'pickup date', 'field', 'value', 'day median', 'bound'],
    quality.outliers.length ? quality.outliers.map((o) => [o.trip_id, o.trip_date, o.field, String(o.value), String(o.median), String(o.bound)]) : [['none', '', '', '', '', '']]);
  document.getElementById('outlier-rule').textContent = 'Far outside: ' + quality.rule + '. Flagged rows stay in the KPIs.';
}

function render(data) {
  outcome(data);
  document.body.dataset.done = String(data.done);
  headline(data);
  dataQuality(data.data_quality);

  const dates = data.daily.map((row) => row.trip_date);
  chart('chart-daily', 'bar', dates, [
    { label: 'completed trips', data: data.daily.map((row) => row.trip_count), yAxisID: 'y' },
    { label: 'total fare', data: data.daily.map((row) => row.total_fare), type: 'line', yAxisID: 'y1' },
  ]);
  table('table-daily', ['date', 'trips', 'total fare', 'avg fare', 'min fare', 'max fare', 'tips', 'distance', 'avg minutes'],
    data.daily.map((row) => [row.trip_date, row.trip_count, row.total_fare.toFixed(2), row.average_fare.toFixed(2), row.min_fare.toFixed(2), row.max_fare.toFixed(2), row.total_tips.toFixed(2), row.total_distance.toFixed(2), row.average_trip_duration_minutes.toFixed(2)]));

  for (const dimension of DIMENSIONS) {
    const entries = byValue(data.by_dimension, dimension);
    chart('chart-' + dimension, 'bar', entries.map(([key]) => codeLabel(dimension, key)), [
      { label: 'completed trips', data: entries.map(([, total]) => total.trips), yAxisID: 'y' },
      { label: 'total fare', data: entries.map(([, total]) => total.fareCents / 100), yAxisID: 'y1' },
    ]);
    document.getElementById('chart-' + dimension).closest('figure').dataset.codes = JSON.stringify(entries.map(([key]) => key));
    table('table-' + dimension, [dimension, 'trips', 'total fare'], entries.map(([key, total]) => [codeLabel(dimension, key), total.trips, (total.fareCents / 100).toFixed(2)]));
  }

  timeline(data.windows);
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

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** The code table of the TLC data dictionary, as a legend. */
function codeTable(dimension: LabelledCode, title: string): string {
  const rows = Object.entries(CODE_LABELS[dimension]).map(
    ([code, name]) => `<tr><td>${escapeHtml(code)}</td><td>${escapeHtml(name)}</td></tr>`,
  );
  return `<div><p>${title} (TLC codes)</p><table id="codes-${dimension}"><tr><th>code</th><th>meaning</th></tr>${rows.join('')}</table></div>`;
}

function page(title: string, boot: string, inlineData?: unknown): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:">
<style>${STYLE}</style></head>
<body>
<h1>${title}</h1><p id="status"></p><div id="outcome" role="alert"></div>
<div class="headline" id="headline"></div>
<h2>Daily KPIs</h2><div class="grid">${figure('daily', 'Completed trips and total fare per day (UTC pickup date)')}</div>
<h2>KPIs per dimension (all dates)</h2><div class="grid">
${figure('vendor_id', 'Per vendor')}${figure('payment_type', 'Per payment type')}
${figure('pickup_hour', 'Per pickup hour (UTC)')}${figure('pickup_location_id', 'Busiest pickup locations')}</div>
<h2>Live windows</h2><div class="grid">${figure('windows', 'Trips completing per 5-minute window (UTC dropoff)')}
<div><p>Open trips</p><p class="stat" id="open-trips"></p><p id="windows-total"></p></div></div>
<h2>Dead letters and ledger</h2><div class="grid">${figure('dead-letters', 'Dead letters by reason')}
<div id="ledger"><p>Ledger (summary.json)</p><table id="table-ledger"></table></div></div>
<h2>Data quality (beside the KPIs, not taken out of them)</h2><div id="data-quality" class="grid flags">
<div><p>Trip IDs a spreadsheet rewrote as numbers</p><table id="table-scientific"></table></div>
<div><p>Open starts that match an orphan end once the rewrite is undone (probably one trip each)</p><table id="table-pairs"></table></div>
<div><p>Amounts far outside their day</p><p id="outlier-rule"></p><table id="table-outliers"></table></div></div>
<h2>Codes</h2><div class="grid flags">
${codeTable('vendor_id', 'Vendor')}${codeTable('payment_type', 'Payment type')}${codeTable('rate_code', 'Rate code')}
<div><p>Locations are TLC taxi zone IDs, shown as "location &lt;ID&gt;" (no zone names ship with tripstream).</p></div></div>
${inlineData === undefined ? '' : `<script type="application/json" id="report-data">${inlineJson(inlineData)}</script>`}
<script>${chartJs()}</script>
<script>const CODE_LABELS = ${inlineJson(CODE_LABELS)};
${CLIENT_SCRIPT}
${boot}</script>
</body></html>
`;
}

/** The report of a finished run, with its data inline. */
function renderReport(data: PageData): string {
  return page('tripstream local run report', `render(JSON.parse(document.getElementById('report-data').textContent));`, data);
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
