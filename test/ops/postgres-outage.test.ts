import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isUnavailable } from "../../src/dependency-errors.js";
import { reconcilePendingTransitions } from "../../src/services/reconcile.js";
import { addNumbers, type CallResult, call, freshNumber, requestTransition } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { type PrivateService, startPrivatePostgres } from "../support/processes.js";

let postgres: PrivateService;
let t: TestContext;
/** A request never takes longer than this, whatever Postgres does: 2 s statements + 5 s grace + margin. */
const ANSWER_BOUND_MS = 12_000;

beforeAll(async () => {
  postgres = await startPrivatePostgres();
  t = await createTestContext(
    { databaseStatementTimeoutMs: 2_000, databaseConnectTimeoutMs: 1_000 },
    { databaseUrl: postgres.url },
  );
  await t.startWorker();
}, 120_000);
afterAll(async () => {
  await t?.close();
  await postgres?.remove();
});

interface Outcome {
  status: number;
  code: string | undefined;
  ms: number;
}

/** A request that must answer within the bound: a hang fails the test instead of the request. */
async function timed(request: () => Promise<CallResult>): Promise<Outcome & { response: CallResult }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const response = await Promise.race([
    request(),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_BOUND_MS} ms`)), ANSWER_BOUND_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    status: response.status,
    code: response.body?.error?.code,
    ms: performance.now() - started,
    response,
  };
}

/**
 * Traffic until stopped: a client locking numbers one after another (each number once) and a
 * client searching, recording every answer and the transitions accepted.
 */
function traffic(numbers: string[]) {
  const outcomes: Outcome[] = [];
  const accepted: string[] = [];
  let running = true;
  const locking = (async () => {
    for (const number of numbers) {
      if (!running) break;
      const outcome = await timed(() =>
        requestTransition(t.app, number, { action: "lock", remark: "outage" }),
      );
      outcomes.push(outcome);
      if (outcome.status === 202) accepted.push(outcome.response.body.id);
    }
  })();
  const searching = (async () => {
    while (running) outcomes.push(await timed(() => call(t.app, "GET", "/v1/numbers?state=locked&limit=5")));
  })();
  return {
    outcomes,
    accepted,
    since: (index: number) => outcomes.slice(index),
    async stop() {
      running = false;
      await Promise.all([locking, searching]);
    },
  };
}

async function finishedOnce(ids: string[]) {
  const pending = async () => {
    await reconcilePendingTransitions(t.deps).catch(() => {});
    const rows = await t.deps.db.selectFrom("transitions").select(["id", "status"]).execute();
    return rows.filter((row) => ids.includes(row.id) && row.status !== "applied").length;
  };
  await expect.poll(pending, { timeout: 60_000, interval: 500 }).toBe(0);
  const history = await t.deps.db.selectFrom("number_history").select("transition_id").execute();
  const applied = history.filter((row) => row.transition_id && ids.includes(row.transition_id));
  expect(applied).toHaveLength(ids.length);
  expect(new Set(applied.map((row) => row.transition_id)).size).toBe(ids.length);
}

describe("Postgres stopped and started again under traffic", () => {
  it("answers 503 meanwhile, never a hang, and recovers without a restart", {
    timeout: 180_000,
  }, async () => {
    const numbers: string[] = [];
    for (let batch = 0; batch < 5; batch++)
      for (const item of await addNumbers(
        t.app,
        Array.from({ length: 50 }, () => ({ number: freshNumber() })),
      ))
        numbers.push(item.number);
    const load = traffic(numbers);
    try {
      await expect.poll(() => load.accepted.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(5);

      await postgres.stop();
      const outageStarts = load.outcomes.length;
      await expect
        .poll(() => load.since(outageStarts).filter((outcome) => outcome.status === 503).length, {
          timeout: 30_000,
        })
        .toBeGreaterThanOrEqual(5);

      await postgres.start();
      const recovered = load.outcomes.length;
      await expect
        .poll(() => load.since(recovered).filter((outcome) => outcome.status === 200).length, {
          timeout: 60_000,
        })
        .toBeGreaterThanOrEqual(3);
      const acceptedBeforeRecovery = load.accepted.length;
      await expect
        .poll(() => load.accepted.length, { timeout: 30_000 })
        .toBeGreaterThan(acceptedBeforeRecovery);
    } finally {
      await load.stop();
    }

    // Every answer was a success or the contract's 503; none was an error of ours.
    const unexpected = load.outcomes.filter(
      (outcome) => ![200, 202].includes(outcome.status) && outcome.code !== "unavailable",
    );
    expect(unexpected).toEqual([]);
    // What was accepted before, during and after the outage is applied, once.
    await finishedOnce(load.accepted);
  });
});

describe("Postgres stalled (SIGSTOP)", () => {
  it("answers 503 within a bounded time, then recovers when it runs again", {
    timeout: 120_000,
  }, async () => {
    const [item] = await addNumbers(t.app, [{ number: freshNumber() }]);
    postgres.pause();
    let outcomes: Outcome[];
    try {
      // More requests than the pool has connections: some wait for a connection, some for an answer.
      outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          timed(() =>
            index % 2
              ? call(t.app, "GET", `/v1/numbers/${encodeURIComponent(item.number)}`)
              : requestTransition(t.app, item.number, { action: "lock", remark: "stalled" }),
          ),
        ),
      );
    } finally {
      postgres.resume();
    }
    expect(outcomes.map((outcome) => [outcome.status, outcome.code])).toEqual(
      outcomes.map(() => [503, "unavailable"]),
    );
    await expect
      .poll(async () => (await call(t.app, "GET", `/v1/numbers/${encodeURIComponent(item.number)}`)).status, {
        timeout: 30_000,
      })
      .toBe(200);
  });
});

describe("a connection that dies inside a transaction", () => {
  it("fails as unavailable (503), also when the rollback on the dead connection fails", async () => {
    const failure = await t.deps.db
      .transaction()
      .execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
        // As a Postgres restart does to every connection.
        await sql`SELECT pg_terminate_backend(${rows[0]!.pid})`.execute(t.deps.db);
        await sql`SELECT 1`.execute(trx);
      })
      .then(
        () => null,
        (error: Error) => error,
      );
    // How the dead connection shows depends on timing: the server's termination notice, a reset
    // socket, or the failed rollback ("not queryable"). Each must read as unavailable.
    expect(failure?.message).toMatch(/not queryable|terminat|ECONNRESET/i);
    expect(isUnavailable(failure)).toBe(true);
  });
});
