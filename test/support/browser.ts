import { type Browser, chromium, type Page } from "playwright-core";
import { ensureChromium } from "../../src/local/chromium.js";

/**
 * Flags that keep a headless Chromium quiet and self-contained on a shared CI machine: no GPU,
 * no QUIC, no first-run or background network traffic. Playwright gives each launch a fresh
 * profile of its own (user-data-dir) and adds --no-sandbox (root in containers).
 */
export const CHROMIUM_ARGS = [
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The OS package's Chromium (installed when missing, as root on Debian), driven by playwright-core. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    chromiumSandbox: false,
    args: CHROMIUM_ARGS,
  });
}

/**
 * What went wrong inside a page that no assertion looks at: uncaught errors and console errors
 * (a Content-Security-Policy violation is one). Tests expect this list to stay empty.
 */
export function watchForPageErrors(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    // A refused request (4xx/5xx) is logged by the browser too; those are the tests' subject.
    if (/Failed to load resource: the server responded with a status of \d+/.test(text)) return;
    problems.push(`console: ${text}`);
  });
  return problems;
}
