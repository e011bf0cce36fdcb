/**
 * The console's first page in a real browser: how long from typing the address until Number
 * Management shows its first row (and its state counts), each load in a fresh browser context
 * (nothing cached, a new tab's session). Used by the inventory benchmark on 1,000,000 numbers.
 */
import type { Page } from "playwright-core";
import { buildConsole, measureBundle } from "../scripts/build-console.js";
import { launchChromium } from "../test/support/browser.js";
import { percentile, progress, sleep, summarize } from "./support.js";

const LOADS = 20;
const WARM_UP = 2;
/** Where the console keeps the key (console/src/lib/session-storage.ts): a signed-in tab. */
const SESSION_KEY = "numbers.console.apiKey";

/**
 * Notes, in the page, the first frame that shows a number row and the first that shows the state
 * counts (ms after navigation start): what a person sees, without the benchmark's own latency
 * in watching for it, which on a busy machine adds up to a second.
 */
const WATCH_FOR_FIRST_PAINTS = `(() => {
  const seen = {};
  window.__consoleShown = seen;
  new MutationObserver(() => {
    for (const [name, selector] of [["row", "tbody tr th a"], ["counts", '[role="tab"] .count']])
      if (!(name in seen) && document.querySelector(selector)) {
        seen[name] = null;
        requestAnimationFrame(() => { seen[name] = performance.now(); });
      }
  }).observe(document, { childList: true, subtree: true });
})()`;

/**
 * The two moments noted by the page. Polled from here: a predicate polled inside the page would
 * need eval, which the console's Content-Security-Policy rightly refuses.
 */
async function paintsSeen(page: Page): Promise<{ row: number; counts: number }> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const shown = (await page.evaluate("window.__consoleShown")) as { row?: number; counts?: number };
    if (shown.row && shown.counts) return { row: shown.row, counts: shown.counts };
    if (Date.now() > deadline)
      throw new Error("The console did not show its first row and counts within 30 s.");
    await sleep(20);
  }
}

/** When each request of the load ended, by the browser's Navigation and Resource Timing. */
async function timeline(page: Page): Promise<Record<string, number>> {
  const entries = (await page.evaluate(`(() => {
    const navigation = performance.getEntriesByType("navigation")[0];
    const resources = performance.getEntriesByType("resource").map((entry) => ({
      name: new URL(entry.name).pathname, start: entry.startTime, end: entry.responseEnd,
    }));
    return { page: navigation.responseEnd, domContentLoaded: navigation.domContentLoadedEventEnd, resources };
  })()`)) as {
    page: number;
    domContentLoaded: number;
    resources: { name: string; start: number; end: number }[];
  };
  const ended = (pattern: RegExp, what: "start" | "end" = "end") =>
    entries.resources.find((entry) => pattern.test(entry.name))?.[what] ?? Number.NaN;
  return {
    "page received": entries.page,
    "script received": ended(/\/assets\/.*\.js$/),
    "script run (DOMContentLoaded)": entries.domContentLoaded,
    "key checked (api-keys/current)": ended(/api-keys\/current$/),
    "list requested": ended(/\/v1\/numbers$/, "start"),
    "list received": ended(/\/v1\/numbers$/),
    "counts received": ended(/\/v1\/numbers\/counts$/),
  };
}

export async function measureConsoleLoad(base: string, apiKey: string) {
  await buildConsole();
  const browser = await launchChromium();
  const firstRow: number[] = [];
  const counts: number[] = [];
  const observedRow: number[] = [];
  const phases: Record<string, number[]> = {};
  try {
    for (let load = 0; load < WARM_UP + LOADS; load++) {
      progress(`console: load ${load + 1} of ${WARM_UP + LOADS}`);
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      await context.addInitScript(
        `sessionStorage.setItem(${JSON.stringify(SESSION_KEY)}, ${JSON.stringify(apiKey)})`,
      );
      await context.addInitScript(WATCH_FOR_FIRST_PAINTS);
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${base}/console/numbers`);
      await page.locator("tbody tr th a").first().waitFor({ timeout: 30_000 });
      const rowMs = performance.now() - started;
      const shown = await paintsSeen(page);
      if (load >= WARM_UP) {
        firstRow.push(shown.row);
        counts.push(shown.counts);
        observedRow.push(rowMs);
        for (const [phase, ms] of Object.entries(await timeline(page))) {
          phases[phase] ??= [];
          phases[phase].push(ms);
        }
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const bundle = measureBundle();
  return {
    loads: LOADS,
    "first row shown, in the page (ms)": {
      ...summarize(firstRow),
      p95: Number(percentile(sorted(firstRow), 95).toFixed(1)),
    },
    "state counts shown, in the page (ms)": {
      ...summarize(counts),
      p95: Number(percentile(sorted(counts), 95).toFixed(1)),
    },
    // The same moment as the benchmark process notices it: on a busy machine, later.
    "first row seen by the benchmark process (ms)": {
      ...summarize(observedRow),
      p95: Number(percentile(sorted(observedRow), 95).toFixed(1)),
    },
    // Where a load's time goes, from the browser's own timings (ms after navigation start, p50).
    "timeline p50 (ms)": Object.fromEntries(
      Object.entries(phases).map(([phase, values]) => [phase, summarize(values).p50]),
    ),
    javascriptKiB: {
      raw: Math.round(bundle.reduce((sum, file) => sum + file.bytes, 0) / 1024),
      gzipped: Math.round(bundle.reduce((sum, file) => sum + file.gzipBytes, 0) / 1024),
    },
  };
}
