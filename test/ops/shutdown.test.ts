import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/local/processes.js";
import { addNumbers, call, freshNumber } from "../support/api.js";
import { ADMIN_KEY, createTestContext, type TestContext } from "../support/context.js";
import {
  exitOf,
  type StartedProcess,
  startNodeProcess,
  startRoleProcess,
  stopProcess,
  untilServing,
} from "../support/processes.js";

let t: TestContext;
const started: StartedProcess[] = [];
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(async () => {
  for (const launched of started) await stopProcess(launched, "SIGKILL");
  await t?.close();
});

/** `numbers --role …` as a real process against this test's database, Redis and queue prefix. */
async function startProcess(port: number, role: "all" | "worker" = "all") {
  const launched = startRoleProcess(t, role, {
    HOST: "127.0.0.1",
    PORT: String(port),
    METRICS_PORT: String(port),
    NUMBERS_ADMIN_KEY: ADMIN_KEY,
    RECONCILE_AFTER_SECONDS: "1",
    DATABASE_POOL_SIZE: "5",
    LOG_LEVEL: "info",
  });
  started.push(launched);
  await untilServing(launched, () =>
    role === "all"
      ? fetch(`http://127.0.0.1:${port}/ready`)
      : fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } }),
  );
  return launched;
}

describe("graceful shutdown", () => {
  it("answers /ready with 503 once draining", async () => {
    t.app.draining = true;
    const ready = await call(t.app, "GET", "/ready", { key: null });
    t.app.draining = false;
    expect(ready.status).toBe(503);
    expect(ready.body.error.message).toMatch(/shutting down/);
  });

  // How long the exit takes is measured by bench/shutdown.ts, not asserted here.
  it("stops cleanly on SIGTERM during a burst, and every accepted transition ends applied", async () => {
    const numbers = Array.from({ length: 300 }, () => freshNumber("+65630"));
    for (let i = 0; i < numbers.length; i += 50)
      await addNumbers(
        t.app,
        numbers.slice(i, i + 50).map((number) => ({ number })),
      );
    const port = await freePort();
    const first = await startProcess(port);

    const accepted: string[] = [];
    let refused = 0;
    const request = async (number: string) => {
      try {
        const response = await fetch(
          `http://127.0.0.1:${port}/v1/numbers/${encodeURIComponent(number)}/transitions`,
          {
            method: "POST",
            headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
            body: JSON.stringify({ action: "lock", remark: "shutdown test" }),
          },
        );
        if (response.status === 202) accepted.push(((await response.json()) as { id: string }).id);
        else refused++;
      } catch {
        refused++; // the listener is closed
      }
    };
    // Twenty clients send without pause; SIGTERM lands once some have been accepted.
    const queue = [...numbers];
    const clients = Array.from({ length: 20 }, async () => {
      for (let number = queue.shift(); number; number = queue.shift()) await request(number);
    });
    await expect.poll(() => accepted.length, { timeout: 20_000, interval: 10 }).toBeGreaterThanOrEqual(40);
    const code = await stopProcess(first);
    await Promise.all(clients);

    expect(code, first.output()).toBe(0);
    expect(first.output()).toContain('"msg":"shut down"');
    expect(accepted.length + refused).toBe(numbers.length);
    expect(refused).toBeGreaterThan(0);

    // Whatever the first process had not applied is applied after a restart.
    const second = await startProcess(port);
    await expect
      .poll(
        async () => {
          const rows = await t.deps.db
            .selectFrom("transitions")
            .select(["status"])
            .where("id", "in", accepted)
            .execute();
          return rows.filter((row) => row.status === "applied").length;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe(accepted.length);
    expect(await stopProcess(second), second.output()).toBe(0);
  }, 120_000);

  it("serves /metrics from a worker process run without the API (METRICS_PORT)", async () => {
    const port = await freePort();
    const worker = await startProcess(port, "worker");
    const [number] = await addNumbers(t.app, [{ number: freshNumber("+65631") }]);
    const accepted = await call(
      t.app,
      "POST",
      `/v1/numbers/${encodeURIComponent(number.number)}/transitions`,
      {
        body: { action: "lock", remark: "split roles" },
      },
    );
    expect(accepted.status).toBe(202);
    // The latency is observed where the transition is applied: in the worker process.
    await expect
      .poll(
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/metrics`, {
            headers: { authorization: `Bearer ${ADMIN_KEY}` },
          });
          return response.text();
        },
        { timeout: 15_000, interval: 200 },
      )
      .toMatch(/numbers_transition_latency_seconds_count\{action="lock",outcome="applied"\} 1/);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
    expect(await stopProcess(worker), worker.output()).toBe(0);
  }, 60_000);

  it.each(["rejection", "exception"])(
    "shuts down the same clean way after an unhandled %s, and exits 1",
    async (kind) => {
      const launched = startNodeProcess("test/support/fatal-error-process.ts", [kind], {});
      started.push(launched);
      const code = await exitOf(launched);
      expect(code, launched.output()).toBe(1);
      expect(launched.output()).toMatch(
        kind === "rejection" ? /unhandled promise rejection/ : /uncaught exception/,
      );
      expect(launched.output()).toContain('"msg":"roles closed"');
      expect(launched.output()).toContain('"msg":"shut down"');
    },
  );
});
