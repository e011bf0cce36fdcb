import { describe, expect, it } from "vitest";
import { allowedActions, mayRequest } from "../../src/lifecycle/allowed-actions.js";
import { accepts, decide } from "../../src/lifecycle/decide.js";
import type { NumberSnapshot } from "../../src/lifecycle/number-state.js";
import { defaultPeriods, resolvePeriods } from "../../src/lifecycle/policies.js";
import { ACTIONS, REQUEST_ACTIONS, ROLES } from "../../src/lifecycle/states.js";
import { numberSnapshot as snapshot } from "./snapshot.js";

const NOW = new Date("2026-01-01T00:00:00.000Z");
const OWNER = "11111111-1111-4111-8111-111111111111";
const SITE = "22222222-2222-4222-8222-222222222222";

describe("allowedActions", () => {
  it.each([
    ["available", {}, "platform_admin", ["reserve", "assign", "activate", "lock", "delete"]],
    ["available", {}, "partner_admin", ["reserve", "assign", "activate"]],
    ["available at a site", { siteId: SITE }, "partner_admin", ["reserve", "allocate", "assign", "activate"]],
    [
      "reserved for 28 days",
      { state: "reserved", ownerId: OWNER, reservationKind: "manual", reservationExpiresAt: NOW },
      "partner_admin",
      ["extend", "release", "assign", "activate"],
    ],
    [
      "allocated, no expiry",
      { state: "reserved", ownerId: OWNER, reservationKind: "allocation" },
      "customer_admin",
      ["release", "activate"],
    ],
    ["assigned", { state: "assigned", ownerId: OWNER }, "customer_admin", ["deactivate", "assign_user"]],
    [
      "assigned to an end user",
      { state: "assigned", ownerId: OWNER, endUserId: "u-1" },
      "customer_admin",
      ["assign_user", "unassign_user"],
    ],
    ["locked", { state: "locked" }, "platform_admin", ["unlock", "delete"]],
    ["cooling off", { state: "cooldown", cooldownUntil: NOW }, "platform_admin", []],
    ["deleted", { state: "deleted", deletedReason: "faulty" }, "partner_admin", []],
  ] as const)("%s, %s", (_name, fields, role, expected) => {
    expect(allowedActions(snapshot(fields as Partial<NumberSnapshot>), false, role, NOW)).toEqual(expected);
  });

  it("lists nothing while pending, whatever the role", () => {
    for (const role of ROLES) expect(allowedActions(snapshot(), true, role, NOW)).toEqual([]);
  });

  it("lists nothing for a viewer, who may request nothing", () => {
    expect(allowedActions(snapshot(), false, "viewer", NOW)).toEqual([]);
    expect(REQUEST_ACTIONS.filter((action) => mayRequest("viewer", action))).toEqual([]);
  });

  it("keeps lock, unlock, delete and recover for the platform", () => {
    for (const action of ["lock", "unlock", "delete", "recover"] as const) {
      expect(mayRequest("platform_admin", action)).toBe(true);
      expect(mayRequest("partner_admin", action)).toBe(false);
      expect(mayRequest("customer_admin", action)).toBe(false);
    }
  });

  it("asks the same question as decide(): accepts() is decide().ok for every state, action and request", () => {
    const numbers = [
      snapshot(),
      snapshot({ siteId: "s", mainNumber: true }),
      snapshot({ state: "reserved", ownerId: OWNER, reservationKind: "manual", reservationExpiresAt: NOW }),
      snapshot({ state: "reserved", ownerId: OWNER, reservationKind: "allocation", siteId: "s" }),
      snapshot({ state: "locked" }),
      snapshot({ state: "assigned", ownerId: OWNER }),
      snapshot({ state: "assigned", ownerId: OWNER, endUserId: "u-1" }),
      snapshot({ state: "cooldown", cooldownUntil: NOW }),
      snapshot({ state: "deleted", deletedReason: "faulty" }),
    ];
    const requests = [
      {},
      { remark: "r", ownerId: OWNER, subscriptionId: "s", endUserId: "u", reason: "faulty" as const },
      { remark: " ", ownerId: "other", until: new Date(NOW.getTime() - 1) },
      { remark: "r", until: new Date(NOW.getTime() + 86_400_000), permanent: true },
    ];
    const context = {
      now: NOW,
      periods: resolvePeriods([], snapshot(), defaultPeriods({ cooldownDays: 30, lockPeriodDays: 28 })),
    };
    for (const number of numbers)
      for (const action of ACTIONS)
        for (const fields of requests) {
          const request = { action, ...fields };
          expect(accepts(number, request, context), `${number.state} ${action}`).toBe(
            decide(number, request, context).ok,
          );
        }
  });
});
