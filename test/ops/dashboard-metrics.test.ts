import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { observeSweep } from "../../src/metrics.js";
import { addNumber, call, createKey, createOrganization, transition } from "../support/api.js";
import { ADMIN_KEY, createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  await t.startWorker();
});
afterAll(async () => t?.close());

const basic = (password: string, user = "ops") =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("queue dashboard", () => {
  it("asks a browser for credentials when none are sent", async () => {
    const response = await t.app.inject({ method: "GET", url: "/admin/queues" });
    expect(response.statusCode).toBe(401);
    expect(response.headers["www-authenticate"]).toBe('Basic realm="numbers"');
    expect(response.json().error.code).toBe("unauthorized");
    const api = await t.app.inject({ method: "GET", url: "/admin/queues/api/queues" });
    expect(api.statusCode).toBe(401);
  });

  it("opens with a platform_admin key as Bearer or as the basic-auth password", async () => {
    const bearer = await t.app.inject({
      method: "GET",
      url: "/admin/queues",
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(bearer.statusCode).toBe(200);
    expect(bearer.headers["content-type"]).toMatch(/text\/html/);

    const browser = await t.app.inject({
      method: "GET",
      url: "/admin/queues/api/queues",
      headers: { authorization: basic(ADMIN_KEY) },
    });
    expect(browser.statusCode).toBe(200);
    const names = browser.json().queues.map((queue: { name: string }) => queue.name);
    expect(names).toEqual(expect.arrayContaining(["transitions", "mail", "webhooks", "imports"]));
  });

  it("refuses a wrong key and keys of other roles", async () => {
    const wrong = await t.app.inject({
      method: "GET",
      url: "/admin/queues",
      headers: { authorization: basic("nope") },
    });
    expect(wrong.statusCode).toBe(401);
    const partner = await createOrganization(t.app, { kind: "partner" });
    const key = await createKey(t.app, "partner_admin", partner.id);
    const other = await t.app.inject({
      method: "GET",
      url: "/admin/queues",
      headers: { authorization: basic(key) },
    });
    expect(other.statusCode).toBe(403);
  });
});

describe("metrics", () => {
  it("needs a platform_admin key", async () => {
    expect((await call(t.app, "GET", "/metrics", { key: null })).status).toBe(401);
    const customer = await createOrganization(t.app);
    const key = await createKey(t.app, "customer_admin", customer.id);
    expect((await call(t.app, "GET", "/metrics", { key })).status).toBe(403);
  });

  it("exposes the numbers_* metrics in Prometheus text", async () => {
    await transition(t.app, await addNumber({}, t.app), { action: "lock", remark: "metrics" });
    observeSweep("reservations", 0.25, 3);
    const response = await call(t.app, "GET", "/metrics");
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain/);
    const text = response.text;
    for (const name of [
      "numbers_http_request_duration_seconds_bucket",
      "numbers_transition_latency_seconds_bucket",
      "numbers_sweep_duration_seconds_bucket",
      "numbers_sweep_rows_bucket",
      "numbers_sweep_last_run_timestamp_seconds",
      "numbers_notices_total",
      "numbers_webhook_delivery_attempts_total",
      "numbers_webhook_deliveries_postponed_total",
      "numbers_webhook_circuit_opened_total",
      "numbers_webhook_endpoints_paused",
      "numbers_transition_failures_total",
      "numbers_queue_jobs",
      "numbers_backlog",
      "numbers_backlog_oldest_age_seconds",
      "numbers_process_cpu_seconds_total",
    ])
      expect(text).toContain(name);
    expect(text).toMatch(/numbers_transition_latency_seconds_count\{action="lock",outcome="applied"\} [1-9]/);
    expect(text).toMatch(
      /numbers_http_request_duration_seconds_count\{method="POST",route="\/v1\/numbers\/:number\/transitions",status="202"\} 1/,
    );
    for (const state of ["waiting", "prioritized", "active", "failed", "delayed"])
      expect(text).toContain(`numbers_queue_jobs{queue="transitions",state="${state}"}`);
    expect(text).toMatch(/numbers_backlog\{kind="transitions"\} 0/);
    expect(text).toMatch(/numbers_sweep_rows_sum\{sweep="reservations"\} 3/);
    // Every metric this process exports is ours.
    const names = text
      .split("\n")
      .filter((line) => line.startsWith("# TYPE "))
      .map((line) => line.split(" ")[2]);
    expect(names.filter((name) => !name!.startsWith("numbers_"))).toEqual([]);
  });
});
