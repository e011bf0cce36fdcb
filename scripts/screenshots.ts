/**
 * Regenerates the console's screenshots in docs/screenshots/ (`npm run screenshots`): starts a
 * throw-away PostgreSQL and Redis, the API and a worker in this process, fills them with a small
 * demo inventory through the API, and photographs each page in headless Chromium.
 */
import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import pino from "pino";
import type { Page } from "playwright-core";
import { REPO_ROOT, startStack } from "../bench/support.js";
import { buildApp } from "../src/api/app.js";
import { closeDependencies, createDependencies } from "../src/bootstrap.js";
import { parseConfig } from "../src/config.js";
import { ensureAdminKey } from "../src/services/organizations.js";
import { launchChromium } from "../test/support/browser.js";
import { startWorkers } from "../workers/worker.js";
import { buildConsole } from "./build-console.js";
import { seedDemo } from "./screenshots-demo.js";

const OUT = join(REPO_ROOT, "docs", "screenshots");
const ADMIN_KEY = "screenshots-admin-key-0123456789";

/** A page whole; a dialog as the screen shows it (its backdrop covers the window, not the page). */
async function shoot(page: Page, name: string, options: { dialog?: boolean } = {}) {
  // Let polling and fonts settle: wait for the network to go quiet.
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: !options.dialog });
  console.error(`  docs/screenshots/${name}.png`);
}

async function main() {
  await buildConsole();
  await mkdir(OUT, { recursive: true });
  const stack = await startStack();
  const config = { ...parseConfig({}), adminKey: ADMIN_KEY, cooldownDays: 30 };
  const deps = createDependencies(config, stack, pino({ level: "warn" }));
  await ensureAdminKey(deps);
  const app = await buildApp(deps);
  const worker = await startWorkers(deps, stack.redisUrl);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  try {
    const demo = await seedDemo(app, ADMIN_KEY);
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      deviceScaleFactor: 1,
    });
    const page = await context.newPage();
    const go = (path: string) => page.goto(`${origin}/console${path}`);

    await go("");
    await page.getByLabel("API key").waitFor();
    await shoot(page, "sign-in");
    await page.getByLabel("API key").fill(ADMIN_KEY);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Number Management" }).waitFor();
    await page.getByRole("row").nth(5).waitFor();
    await shoot(page, "number-management");

    await go(`/numbers/${demo.reserved}`);
    await page.getByRole("heading", { name: "History" }).waitFor();
    await shoot(page, "number-page");
    await page.getByRole("button", { name: "Extend reservation" }).click();
    await page.getByRole("dialog").waitFor();
    await shoot(page, "action-form", { dialog: true });

    await go("/numbers");
    await page.getByRole("button", { name: "Add new numbers" }).click();
    const dialog = page.getByRole("dialog", { name: "Add new numbers" });
    await dialog.getByLabel("Numbers").fill(`+6562000001\n+65 6200 0002\n12ab\n${demo.reserved}`);
    await dialog.getByLabel("Vendor").fill("singtel");
    await dialog.getByLabel("Country").fill("SG");
    await dialog.getByLabel("SKU").fill("DID-SG");
    await dialog.getByRole("button", { name: "Add" }).click();
    await dialog.getByRole("list").waitFor();
    await shoot(page, "add-numbers", { dialog: true });

    await page.evaluate("sessionStorage.clear()");
    await go("/phone-numbers");
    await page.getByLabel("API key").fill(demo.partnerKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Phone Numbers" }).waitFor();
    await page.getByRole("row").nth(4).waitFor();
    await page.getByRole("checkbox").nth(1).check();
    await page.getByRole("checkbox").nth(2).check();
    await shoot(page, "phone-numbers");

    await go(`/sites/${demo.siteId}`);
    await page.getByRole("heading", { name: "Voice services and hunt groups" }).waitFor();
    await page.getByRole("row").nth(3).waitFor();
    await shoot(page, "site-telephony");
    await page.getByRole("button", { name: "Allocate" }).first().click();
    await page.getByRole("dialog").waitFor();
    await shoot(page, "site-allocate", { dialog: true });

    await page.evaluate("sessionStorage.clear()");
    await go("/sweeps");
    await page.getByLabel("API key").fill(ADMIN_KEY);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByLabel("Sweep as of (UTC)").fill(demo.previewAt);
    await page.getByRole("button", { name: "Preview" }).click();
    await page.getByRole("heading", { name: /What a sweep at/ }).waitFor();
    await shoot(page, "sweep-preview");
  } finally {
    await browser.close().catch(() => {});
    await app.close();
    await worker.close();
    await closeDependencies(deps);
    await stack.stop();
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
