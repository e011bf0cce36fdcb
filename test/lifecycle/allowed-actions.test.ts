import { describe, expect, it } from "vitest";
import { allowedActions, mayRequest } from "../../src/lifecycle/allowed-actions.js";
import type { NumberSnapshot } from "../../src/lifecycle/number-state.js";
import { REQUEST_ACTIONS, ROLES } from "../../src/lifecycle/states.js";
import { numberSnapshot as snapshot } from "./snapshot.js";

const NOW = new Date("2026-01-01T00:00:00.000Z");
const OWNER = "11111111-1111-4111-8111-111111111111";

describe("allowedActions", () => {
  it.each([
    ["available", {}, "platform_admin", ["reserve", "allocate", "assign", "activate", "lock", "delete"]],
    ["available", {}, "partner_admin", ["reserve", "allocate", "assign", "activate"]],
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
});
