import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { type App, buildApp } from "../../src/api/app.js";
import { closeDependencies, createDependencies } from "../../src/bootstrap.js";
import { launchChromium, watchForPageErrors } from "../support/browser.js";
import { ADMIN_KEY, createTestContext, type TestContext } from "../support/context.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

/** A person at the console: a browser tab of its own (own sessionStorage), and what went wrong in it. */
export interface Visitor {
  page: Page;
  context: BrowserContext;
  problems: string[];
}

export interface ConsoleWorld {
  t: TestContext;
  /** http://127.0.0.1:PORT, where the API process serves /console and /v1. */
  origin: string;
  browser: Browser;
  /** With `postgresProxy`: between the console's API process and Postgres, to cut it. */
  proxy: TcpProxy | null;
  /** A fresh tab, signed in with `key` (the platform admin's by default) unless `key` is null. */
  visit(path?: string, key?: string | null): Promise<Visitor>;
  close(): Promise<void>;
}

/**
 * The real roles for end-to-end tests: the API listening on a free port (serving the built
 * console and /v1), a worker applying transitions, Postgres and Redis, and a headless Chromium.
 */
export async function startConsoleWorld(
  options: { worker?: boolean; postgresProxy?: boolean } = {},
): Promise<ConsoleWorld> {
  const t = await createTestContext();
  if (options.worker !== false) await t.startWorker();
  const { app, proxy, stop } = options.postgresProxy
    ? await apiBehindProxy(t)
    : { app: t.app, proxy: null, stop: async () => {} };
  await app.listen({ port: 0, host: "127.0.0.1" });
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];

  return {
    t,
    origin,
    browser,
    proxy,
    async visit(path = "/console", key: string | null = ADMIN_KEY) {
      const context = await browser.newContext({
        acceptDownloads: true,
        viewport: { width: 1400, height: 900 },
      });
      contexts.push(context);
      const page = await context.newPage();
      const problems = watchForPageErrors(page);
      await page.goto(`${origin}${path}`);
      if (key !== null) await signIn(page, key);
      return { page, context, problems };
    },
    async close() {
      await Promise.allSettled(contexts.map((context) => context.close()));
      await browser.close().catch(() => {});
      await stop();
      await t.close();
    },
  };
}

/**
 * A second API process of the same deployment whose Postgres connection runs through a proxy,
 * so a test can take Postgres away from the console's server alone (the worker keeps its own).
 */
async function apiBehindProxy(
  t: TestContext,
): Promise<{ app: App; proxy: TcpProxy; stop: () => Promise<void> }> {
  const url = new URL(t.databaseUrl);
  const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
  const databaseUrl = Object.assign(new URL(url), { port: String(proxy.port) }).toString();
  const deps = {
    ...createDependencies(t.deps.config, { databaseUrl, redisUrl: t.redisUrl }, t.deps.log),
    clock: t.clock,
  };
  // Cutting the relay also drops connections a request holds between two statements; pg reports
  // those on the client, where the pool does not listen while it is checked out.
  deps.pool.on("connect", (client) => client.on("error", () => {}));
  const app = await buildApp(deps);
  return {
    app,
    proxy,
    async stop() {
      await app.close();
      await closeDependencies(deps);
      await proxy.close();
    },
  };
}

/** Signs in through the form, as a person would, and waits for the signed-in page. */
export async function signIn(page: Page, key: string) {
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

/** Waits until the locator's text contains `text` (auto-waiting, no sleeps). */
export async function expectText(locator: Locator, text: string | RegExp, timeout = 20_000) {
  await expect
    .poll(async () => ((await locator.count()) > 0 ? ((await locator.first().textContent()) ?? "") : ""), {
      timeout,
      interval: 100,
    })
    .toMatch(typeof text === "string" ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : text);
}

/** Whether the element has the keyboard focus (evaluated in the page, which has a DOM). */
export const hasFocus = (target: Locator): Promise<boolean> =>
  target.evaluate((element) => element === element.ownerDocument.activeElement);

/** Presses Tab until `target` has the focus: proof that a keyboard alone reaches it. */
export async function tabTo(page: Page, target: Locator, limit = 80) {
  await target.waitFor();
  for (let presses = 0; presses < limit; presses++) {
    if (await hasFocus(target)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab did not reach ${target} within ${limit} presses.`);
}

/** The table row that shows this number. */
export function rowOf(page: Page, number: string): Locator {
  return page.getByRole("row").filter({ has: page.getByRole("link", { name: number, exact: true }) });
}
