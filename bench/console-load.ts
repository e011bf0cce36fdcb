/**
 * The console's first page in a real browser: how long from typing the address until Number
 * Management shows its first row (and its state counts), each load in a fresh browser context
 * (nothing cached, a new tab's session). Used by the inventory benchmark on 1,000,000 numbers.
 */
import type { Page } from "playwright-core";
import { buildConsole, measureBundle } from "../scripts/build-console.js";
import { launchChromium } from "../test/support/browser.js";
import { percentile, progress, summarize } from "./support.js";

const LOADS = 20;
const WARM_UP = 2;
/** Where the console keeps the key (console/src/lib/session-storage.ts): a signed-in tab. */
const SESSION_KEY = "numbers.console.apiKey";

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
  const phases: Record<string, number[]> = {};
  try {
    for (let load = 0; load < WARM_UP + LOADS; load++) {
      progress(`console: load ${load + 1} of ${WARM_UP + LOADS}`);
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      await context.addInitScript(
        `sessionStorage.setItem(${JSON.stringify(SESSION_KEY)}, ${JSON.stringify(apiKey)})`,
      );
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${base}/console/numbers`);
      await page.locator("tbody tr th a").first().waitFor({ timeout: 30_000 });
      const rowMs = performance.now() - started;
      await page.locator('[role="tab"] .count').first().waitFor({ timeout: 30_000 });
      const countsMs = performance.now() - started;
      if (load >= WARM_UP) {
        firstRow.push(rowMs);
        counts.push(countsMs);
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
    "first row shown (ms)": {
      ...summarize(firstRow),
      p95: Number(percentile(sorted(firstRow), 95).toFixed(1)),
    },
    "state counts shown (ms)": {
      ...summarize(counts),
      p95: Number(percentile(sorted(counts), 95).toFixed(1)),
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
