import { describe, expect, it } from "vitest";
import { decide } from "../../src/lifecycle/decide.js";
import { belowLegalMinimum } from "../../src/lifecycle/legal-minimum.js";
import {
  defaultPeriods,
  type NumberPolicy,
  type PeriodName,
  type PolicyFacts,
  type PolicyKey,
  precedence,
  resolvePeriods,
} from "../../src/lifecycle/policies.js";
import { recomputeTimer, timerPeriod } from "../../src/lifecycle/timers.js";
import { numberSnapshot } from "./snapshot.js";

const DEFAULTS = defaultPeriods({ cooldownDays: 30, lockPeriodDays: 28 });
const SG: PolicyFacts = { country: "SG", sku: "DID-SG", portedIn: false, golden: false };
const US_EVERYTHING: PolicyFacts = { country: "US", sku: "DID-US", portedIn: true, golden: true };
const key = (country: string | null, cls: PolicyKey["class"]): PolicyKey => ({ country, class: cls });

describe("resolvePeriods: per period, the most specific policy that sets it", () => {
  type Case = [string, NumberPolicy[], PolicyFacts, PeriodName, number, PolicyKey | null];
  it.each<Case>([
    ["no policy: the default", [], SG, "cooldownDays", 30, null],
    ["no policy: the hold defaults", [], SG, "subscriptionExpiredDays", 56, null],
    [
      "country beats the default",
      [{ ...key("SG", null), lockDays: 40 }],
      SG,
      "lockDays",
      40,
      key("SG", null),
    ],
    [
      "class beats country",
      [
        { ...key("SG", null), swappedOutDays: 5 },
        { ...key(null, "ported_in"), swappedOutDays: 28 },
      ],
      { ...SG, portedIn: true },
      "swappedOutDays",
      28,
      key(null, "ported_in"),
    ],
    [
      "country and class beat class",
      [
        { ...key(null, "golden"), reservationDays: 60 },
        { ...key("SG", "golden"), reservationDays: 90 },
      ],
      { ...SG, golden: true },
      "reservationDays",
      90,
      key("SG", "golden"),
    ],
    [
      "a SKU beats ported-in",
      [
        { ...key(null, "ported_in"), cooldownDays: 84 },
        { ...key(null, "sku:DID-SG"), cooldownDays: 10 },
      ],
      { ...SG, portedIn: true },
      "cooldownDays",
      10,
      key(null, "sku:DID-SG"),
    ],
    [
      "ported-in beats golden",
      [
        { ...key(null, "golden"), cooldownDays: 90 },
        { ...key(null, "ported_in"), cooldownDays: 84 },
      ],
      { ...SG, portedIn: true, golden: true },
      "cooldownDays",
      84,
      key(null, "ported_in"),
    ],
    [
      "a more specific policy that does not set the period is passed over",
      [
        { ...key("SG", "ported_in"), lockDays: 1 },
        { ...key("SG", null), subscriptionExpiredDays: 84 },
      ],
      { ...SG, portedIn: true },
      "subscriptionExpiredDays",
      84,
      key("SG", null),
    ],
    [
      "another country's policy does not apply",
      [{ ...key("GB", null), cooldownDays: 90 }],
      SG,
      "cooldownDays",
      30,
      null,
    ],
    [
      "a class the number does not have does not apply",
      [
        { ...key(null, "golden"), cooldownDays: 90 },
        { ...key(null, "sku:DID-GB"), cooldownDays: 91 },
      ],
      SG,
      "cooldownDays",
      30,
      null,
    ],
    [
      "a class for another country does not apply",
      [{ ...key("GB", "golden"), cooldownDays: 90 }],
      { ...SG, golden: true },
      "cooldownDays",
      30,
      null,
    ],
    ["US: the default cooldown is raised to 45", [], { ...SG, country: "US" }, "cooldownDays", 45, null],
    [
      "US: a longer policy cooldown stays",
      [{ ...key("US", null), cooldownDays: 60 }],
      { ...SG, country: "US" },
      "cooldownDays",
      60,
      key("US", null),
    ],
    ["US: only the cooldown has a minimum", [], { ...SG, country: "US" }, "swappedOutDays", 1, null],
  ])("%s", (_name, policies, facts, period, days, policy) => {
    expect(resolvePeriods(policies, facts, DEFAULTS)[period]).toEqual({ days, policy });
  });

  it("picks each period on its own from the whole ladder", () => {
    const policies: NumberPolicy[] = [
      { ...key("US", null), swappedOutDays: 16, reservationDays: 16, cooldownDays: 100 },
      { ...key(null, "golden"), swappedOutDays: 15, subscriptionTerminatedDays: 15 },
      { ...key(null, "ported_in"), subscriptionExpiredDays: 14, subscriptionTerminatedDays: 14 },
      { ...key(null, "sku:DID-US"), subscriptionExpiredDays: 13 },
      { ...key("US", "golden"), reservationDays: 12, lockDays: 12 },
      { ...key("US", "ported_in"), cooldownDays: 60, lockDays: 11 },
      { ...key("US", "sku:DID-US"), lockDays: 10 },
    ];
    const resolved = resolvePeriods(policies, US_EVERYTHING, DEFAULTS);
    expect(resolved).toEqual({
      cooldownDays: { days: 60, policy: key("US", "ported_in") },
      lockDays: { days: 10, policy: key("US", "sku:DID-US") },
      reservationDays: { days: 12, policy: key("US", "golden") },
      subscriptionExpiredDays: { days: 13, policy: key(null, "sku:DID-US") },
      subscriptionTerminatedDays: { days: 14, policy: key(null, "ported_in") },
      swappedOutDays: { days: 15, policy: key(null, "golden") },
    });
  });

  it.each([0, 1, 44])("raises a US default of %i days to 45, and leaves others' alone", (cooldownDays) => {
    const defaults = defaultPeriods({ cooldownDays, lockPeriodDays: 28 });
    expect(resolvePeriods([], { ...SG, country: "US" }, defaults).cooldownDays.days).toBe(45);
    expect(resolvePeriods([], SG, defaults).cooldownDays.days).toBe(cooldownDays);
  });

  it("ranks policies 1 (country and SKU) to 7 (country only)", () => {
    expect(
      [
        key("US", "sku:X"),
        key("US", "ported_in"),
        key("US", "golden"),
        key(null, "sku:X"),
        key(null, "ported_in"),
        key(null, "golden"),
        key("US", null),
      ].map(precedence),
    ).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});

describe("belowLegalMinimum: no cooldown under 45 days can reach a US number", () => {
  type Case = [string, NumberPolicy[], number[]];
  it.each<Case>([
    ["a US cooldown of 44", [{ ...key("US", null), cooldownDays: 44 }], [0]],
    ["a US cooldown of 45", [{ ...key("US", null), cooldownDays: 45 }], []],
    ["a US class cooldown of 0", [{ ...key("US", "golden"), cooldownDays: 0 }], [0]],
    ["a US policy without a cooldown", [{ ...key("US", null), lockDays: 1 }], []],
    ["another country's short cooldown", [{ ...key("SG", null), cooldownDays: 1 }], []],
    ["another country's short class cooldown", [{ ...key("SG", "golden"), cooldownDays: 1 }], []],
    ["a class cooldown of 10 with no US policy", [{ ...key(null, "ported_in"), cooldownDays: 10 }], [0]],
    [
      "a class cooldown of 10 covered by (US, same class) ≥ 45",
      [
        { ...key(null, "ported_in"), cooldownDays: 10 },
        { ...key("US", "ported_in"), cooldownDays: 45 },
      ],
      [],
    ],
    [
      "a (US, same class) policy without a cooldown covers nothing",
      [
        { ...key(null, "ported_in"), cooldownDays: 10 },
        { ...key("US", "ported_in"), lockDays: 90 },
      ],
      [0],
    ],
    [
      "a (US, another class) policy covers nothing",
      [
        { ...key(null, "sku:DID-SG"), cooldownDays: 10 },
        { ...key("US", "golden"), cooldownDays: 60 },
      ],
      [0],
    ],
    [
      "a US country policy does not cover a class policy",
      [
        { ...key("US", null), cooldownDays: 60 },
        { ...key(null, "golden"), cooldownDays: 10 },
      ],
      [1],
    ],
  ])("%s", (_name, policies, indexes) => {
    const breaches = belowLegalMinimum(policies);
    expect(breaches.map((breach) => breach.index)).toEqual(indexes);
    for (const breach of breaches) expect(breach.message).toContain("47 CFR 52.15(f)(1)(ii)");
  });
});

describe("timers", () => {
  const start = new Date("2026-01-01T00:00:00.000Z");
  const at = (days: number) => new Date(start.getTime() + days * 86_400_000);

  it.each([
    ["reserved", "manual", "reservationDays"],
    ["reserved", "subscription_expired", "subscriptionExpiredDays"],
    ["reserved", "subscription_terminated", "subscriptionTerminatedDays"],
    ["reserved", "swapped_out", "swappedOutDays"],
    ["reserved", "charged", null],
    ["reserved", "allocation", null],
    ["locked", null, "lockDays"],
    ["cooldown", null, "cooldownDays"],
    ["assigned", null, null],
  ] as const)("a %s number (%s) runs on %s", (state, kind, period) => {
    expect(timerPeriod(state, kind)?.period ?? null).toBe(period);
  });

  it("recomputes from the timer's start under today's periods", () => {
    const periods = resolvePeriods(
      [{ ...key(null, "ported_in"), subscriptionExpiredDays: 84 }],
      { ...SG, portedIn: true },
      DEFAULTS,
    );
    const timer = { state: "reserved", reservationKind: "subscription_expired", startedAt: start } as const;
    expect(recomputeTimer({ ...timer, expiresAt: at(56) }, periods)).toEqual({
      field: "reservation.expiresAt",
      from: at(56),
      to: at(84),
      period: "subscriptionExpiredDays",
      policy: key(null, "ported_in"),
    });
    expect(recomputeTimer({ ...timer, expiresAt: at(84) }, periods)).toBeNull();
    expect(recomputeTimer({ ...timer, reservationKind: "charged", expiresAt: at(3) }, periods)).toBeNull();
  });
});

describe("decide takes the resolved periods", () => {
  const number = numberSnapshot({
    portedIn: true,
    state: "assigned",
    ownerId: "11111111-1111-4111-8111-111111111111",
    subscriptionId: "sub-1",
    inServiceSinceAvailable: true,
  });
  const now = new Date("2026-01-01T00:00:00.000Z");
  const periods = resolvePeriods(
    [
      {
        ...key("SG", "ported_in"),
        subscriptionExpiredDays: 84,
        subscriptionTerminatedDays: 56,
        swappedOutDays: 28,
      },
    ],
    number,
    DEFAULTS,
  );

  it.each([
    ["subscription_expired", 84],
    ["subscription_terminated", 56],
    ["swapped_out", 28],
  ] as const)("%s holds a ported-in SG number %i days and names the policy", (action, days) => {
    const decision = decide(number, { action }, { now, periods });
    expect(decision.ok && decision.change.fields).toMatchObject({
      reservationExpiresAt: new Date(now.getTime() + days * 86_400_000),
      timerStartedAt: now,
      timerPolicy: key("SG", "ported_in"),
    });
  });
});
