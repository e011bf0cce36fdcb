/**
 * The console's first page in a real browser: how long from typing the address until Number
 * Management shows its first row (and its state counts), each load in a fresh browser context
 * (nothing cached, a new tab's session). Used by the inventory benchmark on 1,000,000 numbers.
 */
import { buildConsole, measureBundle } from "../scripts/build-console.js";
import { launchChromium } from "../test/support/browser.js";
import { percentile, progress, summarize } from "./support.js";

const LOADS = 20;
const WARM_UP = 2;
/** Where the console keeps the key (console/src/lib/session-storage.ts): a signed-in tab. */
const SESSION_KEY = "numbers.console.apiKey";

export async function measureConsoleLoad(base: string, apiKey: string) {
  await buildConsole();
  const browser = await launchChromium();
  const firstRow: number[] = [];
  const counts: number[] = [];
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
    javascriptKiB: {
      raw: Math.round(bundle.reduce((sum, file) => sum + file.bytes, 0) / 1024),
      gzipped: Math.round(bundle.reduce((sum, file) => sum + file.gzipBytes, 0) / 1024),
    },
  };
}
