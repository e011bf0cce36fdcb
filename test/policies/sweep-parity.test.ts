import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toSnapshot } from "../../src/db/number-columns.js";
import { backToInventory } from "../../src/lifecycle/holds.js";
import {
  defaultPeriods,
  type NumberPolicy,
  precedence,
  resolvePeriods,
} from "../../src/lifecycle/policies.js";
import { runSweeps } from "../../src/services/sweeps.js";
import { call, createOrganization } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { DAY_MS, insertNumber, MINUTE_MS, numberRow, shift } from "../sweeps/fixtures.js";

let t: TestContext;
let owner: { id: string };
beforeAll(async () => {
  t = await createTestContext({ cooldownDays: 20 });
  owner = await createOrganization(t.app);
});
afterAll(async () => t?.close());

/** Overlapping policies, so that only the right order picks the right cooldown. */
const POLICIES: NumberPolicy[] = [
  { country: "US", class: null, cooldownDays: 60 },
  { country: "US", class: "ported_in", cooldownDays: 100 },
  { country: null, class: "ported_in", cooldownDays: 70 },
  { country: "US", class: "golden", cooldownDays: 46 },
  { country: null, class: "golden", cooldownDays: 80 },
  { country: "SG", class: "golden", cooldownDays: 5 },
  { country: "US", class: "sku:DID-X", cooldownDays: 50 },
  { country: null, class: "sku:DID-X", cooldownDays: 3 },
  { country: "GB", class: null, cooldownDays: 0 },
  { country: "SG", class: "sku:DID-SG", lockDays: 9 },
];

describe("the reservation sweep picks each number's cooldown as resolvePeriods does", () => {
  it("stores the precedence the pure rules use", async () => {
    expect((await call(t.app, "PUT", "/v1/policies", { body: { policies: POLICIES } })).status).toBe(200);
    const rows = await t.deps.db
      .selectFrom("number_policies")
      .select(["country", "number_class", "precedence"])
      .execute();
    for (const row of rows)
      expect(row.precedence).toBe(precedence({ country: row.country, class: row.number_class as never }));
  });

  it("for every combination of country, SKU, ported-in and golden", async () => {
    const at = new Date("2026-06-01T12:00:00.000Z");
    const numbers: string[] = [];
    let next = 0;
    for (const country of ["US", "SG", "GB", "FR"])
      for (const sku of ["DID-X", "DID-SG"])
        for (const ported_in of [true, false])
          for (const golden of [true, false])
            numbers.push(
              await insertNumber(t.deps, {
                number: `+4470000${String(next++).padStart(4, "0")}`,
                country,
                sku,
                ported_in,
                golden,
                state: "reserved",
                owner_id: owner.id,
                reservation_kind: "subscription_terminated",
                reserved_at: shift(at, -28 * DAY_MS),
                reservation_expires_at: shift(at, -MINUTE_MS),
                subscription_id: "sub-1",
                in_service_since_available: true,
              }),
            );
    const before = new Map(
      await Promise.all(
        numbers.map(async (number) => [number, toSnapshot(await numberRow(t.deps, number))] as const),
      ),
    );

    const report = await runSweeps(t.deps, { at, batchSize: 5 });
    expect(report.numbers.reservationsExpired).toEqual(expect.arrayContaining(numbers));

    const defaults = defaultPeriods(t.deps.config);
    const states = new Set<string>();
    for (const number of numbers) {
      const snapshot = before.get(number)!;
      const expected = {
        ...snapshot,
        ...backToInventory(snapshot, { now: at, periods: resolvePeriods(POLICIES, snapshot, defaults) })
          .fields,
      };
      expect(toSnapshot(await numberRow(t.deps, number)), number).toEqual(expected);
      states.add(`${expected.state} ${expected.timerPolicy?.country}/${expected.timerPolicy?.class}`);
    }
    // The grid reaches every rung of the ladder, the default and the straight return to available.
    expect(states.size).toBeGreaterThanOrEqual(8);
  });
});
