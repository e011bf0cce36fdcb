import { expect } from "vitest";
import type { App } from "../../src/api/app.js";
import type { SweepReportView } from "../../src/api/views.js";
import type { NewNumberRow } from "../../src/db/tables.js";
import type { Dependencies } from "../../src/dependencies.js";
import { call, finished, freshNumber, transition } from "../support/api.js";

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;
export const shift = (instant: Date | string, ms: number) => new Date(new Date(instant).getTime() + ms);

/** POST /v1/sweeps as the platform admin; expects 200 and returns the report. */
export async function sweep(app: App, body: { at?: Date; dryRun?: boolean } = {}): Promise<SweepReportView> {
  const response = await call<SweepReportView>(app, "POST", "/v1/sweeps", {
    body: { ...body, at: body.at?.toISOString() },
  });
  expect(response.status, response.text).toBe(200);
  return response.body;
}

/** Sweeps as of `at` and waits until every e-mail it queued has been sent. */
export async function sweepAndSend(app: App, deps: Dependencies, at: Date): Promise<SweepReportView> {
  const report = await sweep(app, { at });
  await mailQueueIdle(deps);
  return report;
}

/** Puts `number` into service for `ownerId`, then billing reports the subscription `event`. */
export async function endSubscription(
  app: App,
  number: string,
  ownerId: string,
  event: "expired" | "terminated" | "swapped_out",
) {
  const subscriptionId = `sub-${number.slice(1)}`;
  await transition(app, number, { action: "assign", ownerId, subscriptionId });
  const response = await call(app, "POST", `/v1/subscriptions/${subscriptionId}/events`, {
    body: { type: event },
  });
  expect(response.status, response.text).toBe(202);
  expect((await finished(app, response.body.transitions[0].id)).status).toBe("applied");
  return number;
}

/** Waits until the mail queue holds no job that could still send something. */
export async function mailQueueIdle(deps: Dependencies, timeout = 20_000) {
  await expect
    .poll(
      async () => {
        const counts = await deps.queues.mail.getJobCounts("waiting", "active", "delayed", "prioritized");
        return Object.values(counts).reduce((sum, count) => sum + count, 0);
      },
      { timeout, interval: 50 },
    )
    .toBe(0);
}

export async function notices(app: App, query: Record<string, string> = {}, key?: string) {
  const response = await call(app, "GET", `/v1/notices?${new URLSearchParams(query)}`, { key });
  expect(response.status, response.text).toBe(200);
  return response.body.items as {
    kind: string;
    number: string;
    expiresAt: string;
    recipient: string;
    status: string;
    sentAt: string | null;
    attempts: number;
    lastError: string | null;
  }[];
}

export async function history(app: App, number: string) {
  const response = await call(app, "GET", `/v1/numbers/${encodeURIComponent(number)}/history`);
  expect(response.status, response.text).toBe(200);
  return response.body.items as { action: string; actor: string; at: string; before: any; after: any }[];
}

/** A number row written directly: for states that take a long walk through the API to reach. */
export async function insertNumber(deps: Dependencies, fields: Partial<NewNumberRow> = {}): Promise<string> {
  const number = fields.number ?? freshNumber("+65613");
  await deps.db
    .insertInto("numbers")
    .values({
      number,
      state: "available",
      vendor: "acme",
      country: "SG",
      sku: "DID-SG",
      updated_at: new Date(),
      ...fields,
    })
    .execute();
  return number;
}

export async function numberRow(deps: Dependencies, number: string) {
  return deps.db.selectFrom("numbers").selectAll().where("number", "=", number).executeTakeFirstOrThrow();
}
