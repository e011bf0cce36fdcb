import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertPendingTransitions } from "../../src/db/transitions.js";
import { addNumber, createOrganization, getNumber, requestTransition } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";

// The API checks a request on the number as it is, then records it only if the number is still
// that row (src/services/transitions.ts). No worker runs here: accepted transitions stay pending.
let t: TestContext;
let owner: { id: string };
beforeAll(async () => {
  t = await createTestContext({ databasePoolSize: 12 });
  owner = await createOrganization(t.app);
});
afterAll(async () => t?.close());

const versionOf = async (number: string) =>
  (
    await t.deps.db
      .selectFrom("numbers")
      .select("version")
      .where("number", "=", number)
      .executeTakeFirstOrThrow()
  ).version;
const request = (number: string, expectedVersion: number) => ({
  id: randomUUID(),
  number,
  request: { action: "lock" as const, remark: "test" },
  actor: "test",
  requestedAt: new Date(),
  expectedVersion,
});
const transitionsOf = (number: string) =>
  t.deps.db.selectFrom("transitions").select(["id", "action"]).where("number", "=", number).execute();

describe("accepting requests that race for one number", () => {
  it("records one of twenty simultaneous requests; the others are refused as update_in_progress", async () => {
    const number = await addNumber({}, t.app);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        requestTransition(
          t.app,
          number,
          i % 2 ? { action: "reserve", ownerId: owner.id, remark: "r" } : { action: "lock", remark: "l" },
        ),
      ),
    );
    const accepted = responses.filter((response) => response.status === 202);
    expect(accepted).toHaveLength(1);
    for (const response of responses.filter((response) => response.status !== 202)) {
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe("update_in_progress");
    }
    const winner = accepted[0]!.body;
    expect(await transitionsOf(number)).toEqual([{ id: winner.id, action: winner.action }]);
    expect((await getNumber(t.app, number)).body).toMatchObject({
      status: "pending",
      pending: { transitionId: winner.id, action: winner.action },
    });
  });

  it("records nothing for a number that changed since it was checked", async () => {
    const number = await addNumber({}, t.app);
    const version = await versionOf(number);
    const stale = request(number, version - 1);
    expect(await insertPendingTransitions(t.deps.db, [stale])).toEqual(new Set());
    expect(await transitionsOf(number)).toEqual([]);
    expect((await getNumber(t.app, number)).body.status).toBe("available");

    const current = request(number, version);
    expect(await insertPendingTransitions(t.deps.db, [current])).toEqual(new Set([current.id]));
    expect(await transitionsOf(number)).toEqual([{ id: current.id, action: "lock" }]);
  });

  it("waits for a change to the number in flight, then records nothing", async () => {
    const number = await addNumber({}, t.app);
    const checked = request(number, await versionOf(number));
    let racing: Promise<Set<string>> | undefined;
    await t.deps.db.transaction().execute(async (trx) => {
      await sql`UPDATE numbers SET version = version + 1 WHERE number = ${number}`.execute(trx);
      racing = insertPendingTransitions(t.deps.db, [checked]);
      // Until this transaction ends, the insert waits for the number's row.
      await expect
        .poll(async () => {
          const { rows } = await sql<{ waiting: number }>`
            SELECT count(*) AS waiting FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE '%JOIN input ON numbers.number = input.number%'`.execute(
            t.deps.db,
          );
          return rows[0]!.waiting;
        })
        .toBeGreaterThan(0);
    });
    expect(await racing).toEqual(new Set());
    expect(await transitionsOf(number)).toEqual([]);
  });
});
