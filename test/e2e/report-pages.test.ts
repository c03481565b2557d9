/**
 * What a person sees of a local run, in a real browser: report.html opened from disk and the live page of
 * `--serve`, both in headless Chromium (Debian's chromium, driven by playwright-core). The charts must have
 * rendered, with the numbers of the KPI files and of the metrics API.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { codeLabel } from '../../kpi/code-labels';
import type { DimensionKpiRow } from '../../kpi/dimension-kpi';
import type { RunSummary } from '../../local/run/run';
import { generateSample, writeSampleFiles } from '../../tools/sample-generator';
import { LOCAL_RUN_TIMEOUT_MS, localRunEnvironment, readKpiFiles, sampleOptions } from '../support/local-run';

jest.setTimeout(LOCAL_RUN_TIMEOUT_MS);

const repositoryRoot = join(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';

interface FigureNumbers {
  readonly rendered: string | undefined;
  /** The codes behind a dimension chart's labels. */
  readonly codes: string[] | undefined;
  readonly labels: unknown[];
  /** What the Chart.js instance holds, dataset by dataset. */
  readonly chartData: unknown[][];
}

/** Runs in the page (as text: this project compiles without the DOM library). */
async function figure(page: Page, chartId: string): Promise<FigureNumbers> {
  return page.evaluate<FigureNumbers>(`(() => {
    const canvas = document.getElementById(${JSON.stringify(chartId)});
    const chart = Chart.getChart(canvas);
    return {
      rendered: canvas.closest('figure').dataset.rendered,
      codes: canvas.closest('figure').dataset.codes === undefined ? undefined : JSON.parse(canvas.closest('figure').dataset.codes),
      labels: chart === undefined ? [] : chart.data.labels,
      chartData: chart === undefined ? [] : chart.data.datasets.map((set) => set.data),
    };
  })()`);
}

async function datasetOf(page: Page, selector: string): Promise<Record<string, string>> {
  return page.evaluate<Record<string, string>>(`({ ...document.querySelector(${JSON.stringify(selector)}).dataset })`);
}

async function readDimensionRows(dir: string): Promise<DimensionKpiRow[]> {
  const rows: DimensionKpiRow[] = [];
  for (const partition of (await readdir(dir)).sort()) {
    for (const line of (await readFile(join(dir, partition, 'part-00000.json'), 'utf8')).split('\n')) {
      if (line !== '') rows.push(JSON.parse(line) as DimensionKpiRow);
    }
  }
  return rows;
}

describe('report.html and the live page', () => {
  let browser: Browser;
  let run: ChildProcess;
  let outDir: string;
  let liveUrl: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
    const workDir = await mkdtemp(join(tmpdir(), 'tripstream-pages-e2e-'));
    const files = await writeSampleFiles(generateSample(sampleOptions({ trips: 150 })), join(workDir, 'input'));
    outDir = join(workDir, 'out');
    run = spawn(
      join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
      [join(repositoryRoot, 'bin', 'tripstream.ts'), 'local', '--start', files.start, '--end', files.end, '--out', outDir, '--serve', '0'],
      {
        cwd: repositoryRoot,
        env: localRunEnvironment(),
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    liveUrl = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      run.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        const serving = /still serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
        if (serving?.[1] !== undefined) resolve(serving[1]);
      });
      run.once('exit', (code) => reject(new Error(`the local run ended (code ${code}) before serving:\n${stderr.slice(-3000)}`)));
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (run?.exitCode === null) {
      const exited = new Promise((resolve) => run.once('exit', resolve));
      run.kill('SIGINT');
      await exited;
    }
  });

  it('report.html draws the daily KPIs, each dimension, the windows and the dead letters with the run’s numbers, offline', async () => {
    // Prepare
    const daily = await readKpiFiles(join(outDir, 'daily-kpis'));
    const byDimension = await readDimensionRows(join(outDir, 'daily-kpis-by-dimension'));
    const summary = JSON.parse(await readFile(join(outDir, 'summary.json'), 'utf8')) as RunSummary;
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));

    // Act
    await page.goto(pathToFileURL(join(outDir, 'report.html')).href);
    const dailyChart = await figure(page, 'chart-daily');
    const vendorChart = await figure(page, 'chart-vendor_id');
    const windowsChart = await figure(page, 'chart-windows');
    const deadLetterChart = await figure(page, 'chart-dead-letters');
    const windowTotals = await datasetOf(page, 'figure:has(#chart-windows)');
    const ledgerPresent = await page.locator('#ledger').getAttribute('data-present');

    // Assess
    expect(requests.every((url) => url.startsWith('file:'))).toBe(true);
    expect(dailyChart.rendered).toBe('true');
    expect(dailyChart.labels).toEqual(daily.map((row) => row.trip_date));
    expect(dailyChart.chartData).toEqual([daily.map((row) => row.trip_count), daily.map((row) => row.total_fare)]);
    const vendors = new Map<string, number>();
    for (const row of byDimension.filter((candidate) => candidate.dimension === 'vendor_id')) {
      const key = row.dimension_value ?? '(blank)';
      vendors.set(key, (vendors.get(key) ?? 0) + row.trip_count);
    }
    expect(Object.fromEntries((vendorChart.codes ?? []).map((code, index) => [code, vendorChart.chartData[0]?.[index]]))).toEqual(
      Object.fromEntries(vendors),
    );
    expect(vendorChart.labels).toEqual((vendorChart.codes ?? []).map((code) => codeLabel('vendor_id', code === '(blank)' ? null : code)));
    const trips = daily.reduce((sum, row) => sum + row.trip_count, 0);
    const fareCents = daily.reduce((sum, row) => sum + Math.round(row.total_fare * 100), 0);
    expect(windowsChart.rendered).toBe('true');
    expect(Number(windowTotals.totalTrips)).toBe(trips);
    // Windows are exact and rounded once over the run; each daily total_fare was rounded on its own, so over
    // several days the two may differ by half a cent per day plus half a cent for the windows, never more.
    expect(Math.abs(Math.round(Number(windowTotals.totalFare) * 100) - fareCents)).toBeLessThanOrEqual(Math.floor((daily.length + 1) / 2));
    expect(
      Object.fromEntries((deadLetterChart.labels as string[]).map((label, index) => [label, deadLetterChart.chartData[0]?.[index]])),
    ).toEqual(summary.dead_lettered.by_reason);
    expect(ledgerPresent).toBe('true');
    expect(await datasetOf(page, '#outcome')).toEqual({ status: 'succeeded' });
    expect(await page.locator('#headline [data-key="trips"]').getAttribute('data-value')).toBe(String(trips));
    expect(await page.locator('#headline [data-key="fare"]').getAttribute('data-value')).toBe((fareCents / 100).toFixed(2));
    expect(await page.locator('#data-quality').getAttribute('data-present')).toBe('true');
    await page.close();
  });

  it('the live page keeps serving after the run drained, with the metrics API’s windows and open trips', async () => {
    // Prepare
    const daily = await readKpiFiles(join(outDir, 'daily-kpis'));
    const dates = daily.map((row) => row.trip_date);
    const from = `${dates[0] ?? '2024-01-01'}T00:00:00Z`;
    const to = new Date(Date.parse(`${dates[dates.length - 1] ?? '2024-01-01'}T00:00:00Z`) + 2 * 86_400_000).toISOString();
    const api = (await (await fetch(`${liveUrl}metrics/all/all?from=${from}&to=${to}`)).json()) as {
      windows: { window_start: string; trip_count: number }[];
    };
    const open = (await (await fetch(`${liveUrl}metrics/open`)).json()) as { open_trips: number };
    const page = await browser.newPage();

    // Act
    await page.goto(liveUrl);
    await page.waitForSelector('body[data-done="true"]');
    const windowsChart = await figure(page, 'chart-windows');
    const openTrips = await page.locator('#open-trips').getAttribute('data-value');

    // Assess
    // A time axis: every 5-minute window from the first to the last, the API's counts where it has a window and 0 elsewhere.
    const points = windowsChart.chartData[0] as { x: number; y: number }[];
    const first = Date.parse(api.windows[0]?.window_start ?? '');
    expect(points.map((point) => point.x)).toEqual(points.map((_, index) => first + index * 300_000));
    const counts = new Map(api.windows.map((window) => [Date.parse(window.window_start), window.trip_count]));
    expect(points.map((point) => point.y)).toEqual(points.map((point) => counts.get(point.x) ?? 0));
    expect(points[points.length - 1]?.x).toBe(Date.parse(api.windows[api.windows.length - 1]?.window_start ?? ''));
    expect(api.windows.reduce((sum, window) => sum + window.trip_count, 0)).toBe(daily.reduce((sum, row) => sum + row.trip_count, 0));
    expect(Number(openTrips)).toBe(open.open_trips);
    await page.close();
  });
});
