import { describe, expect, it } from "vitest";
import { type Decision, decide } from "../../src/lifecycle/decide.js";
import type {
  DecisionContext,
  LifecycleFields,
  NumberChange,
  NumberSnapshot,
  OrganizationFacts,
  SiteFacts,
  TransitionRequest,
} from "../../src/lifecycle/number-state.js";
import { defaultPeriods, type Periods, resolvePeriods } from "../../src/lifecycle/policies.js";
import { ACTIONS, type Action, STATES, type State } from "../../src/lifecycle/states.js";
import { numberSnapshot } from "./snapshot.js";

// Fixed instant; periods are computed here by hand so a wrong addDays() also fails these tests.
const NOW = new Date("2026-01-01T00:00:00.000Z");
const days = (n: number) => new Date(NOW.getTime() + n * 86_400_000);

const OWNER = "11111111-1111-4111-8111-111111111111";
const OTHER_OWNER = "22222222-2222-4222-8222-222222222222";
const PARTNER = "33333333-3333-4333-8333-333333333333";
const SITE = "44444444-4444-4444-8444-444444444444";
const SUBSCRIPTION = "sub-voice-1";
const DID_SUBSCRIPTION = "sub-did-1";
const END_USER = "user-7";
const CUSTOMER: OrganizationFacts = { id: OWNER, kind: "customer", partnerId: PARTNER };

const snapshot = numberSnapshot;

/** A typical number in each state. */
const IN_STATE: Record<State, Partial<NumberSnapshot>> = {
  available: {},
  reserved: {
    state: "reserved",
    ownerId: OWNER,
    reservationKind: "manual",
    reservedAt: days(-1),
    reservationExpiresAt: days(27),
  },
  locked: { state: "locked", lockedAt: days(-1), lockExpiresAt: days(27), lockRemark: "voicemail access" },
  assigned: {
    state: "assigned",
    ownerId: OWNER,
    subscriptionId: SUBSCRIPTION,
    inServiceSinceAvailable: true,
  },
  cooldown: { state: "cooldown", cooldownUntil: days(10) },
  deleted: { state: "deleted", deletedReason: "faulty" },
};
const inState = (state: State, overrides: Partial<NumberSnapshot> = {}) =>
  snapshot({ ...IN_STATE[state], ...overrides });

/** The defaults (cooldown 30, lock 28, holds 28/56/28/1), with any period changed by hand. */
const periodsOf = (days: Partial<Periods> = {}) =>
  resolvePeriods([], snapshot(), { ...defaultPeriods({ cooldownDays: 30, lockPeriodDays: 28 }), ...days });

function context(overrides: Partial<DecisionContext> = {}): DecisionContext {
  return {
    now: NOW,
    periods: periodsOf(),
    requestedOwner: CUSTOMER,
    site: null,
    ...overrides,
  };
}

function siteFacts(overrides: Partial<SiteFacts> = {}): SiteFacts {
  return {
    organizationAtSite: true,
    organizationHasMainNumber: false,
    activeNumbers: 0,
    voiceServices: 5,
    ...overrides,
  };
}

/** Every hold cleared: what a change writes when the number leaves its previous hold. */
const CLEARED: Partial<LifecycleFields> = {
  ownerId: null,
  subscriptionId: null,
  endUserId: null,
  reservationKind: null,
  reservedAt: null,
  reservationExpiresAt: null,
  lockedAt: null,
  lockExpiresAt: null,
  lockRemark: null,
  cooldownUntil: null,
  deletedReason: null,
  timerStartedAt: null,
  timerPolicy: null,
};

function changeOf(decision: Decision): NumberChange {
  if (!decision.ok) throw new Error(`expected acceptance, got ${decision.code}: ${decision.message}`);
  return decision.change;
}

function refusalOf(decision: Decision): { code: string; message: string } {
  if (decision.ok) throw new Error(`expected a refusal, got ${JSON.stringify(decision.change)}`);
  return { code: decision.code, message: decision.message };
}

const run = (number: NumberSnapshot, request: TransitionRequest, overrides: Partial<DecisionContext> = {}) =>
  decide(number, request, context(overrides));

const apply = (number: NumberSnapshot, change: NumberChange): NumberSnapshot => ({
  ...number,
  ...change.fields,
});

interface MatrixRow {
  from: readonly State[];
  to: State;
  request: Omit<TransitionRequest, "action">;
  /** Facts the allowed case needs beyond the typical number in its state. */
  number?: Partial<NumberSnapshot>;
}

/** The transition table of docs/domain.md#transitions, written out independently of RULES. */
const MATRIX: Record<Action, MatrixRow> = {
  reserve: { from: ["available"], to: "reserved", request: { ownerId: OWNER, remark: "held for the trial" } },
  extend: {
    from: ["reserved"],
    to: "reserved",
    request: { subscriptionId: DID_SUBSCRIPTION, until: days(90) },
  },
  release: { from: ["reserved"], to: "available", request: { remark: "customer gave it back" } },
  allocate: { from: ["available"], to: "reserved", request: { ownerId: OWNER }, number: { siteId: SITE } },
  deallocate: {
    from: ["reserved"],
    to: "available",
    request: {},
    number: { reservationKind: "allocation", reservationExpiresAt: null },
  },
  assign: {
    from: ["available", "reserved"],
    to: "assigned",
    request: { ownerId: OWNER, subscriptionId: SUBSCRIPTION },
  },
  activate: { from: ["available", "reserved"], to: "assigned", request: { ownerId: OWNER } },
  deactivate: { from: ["assigned"], to: "reserved", request: {} },
  assign_user: { from: ["assigned"], to: "assigned", request: { endUserId: END_USER } },
  unassign_user: { from: ["assigned"], to: "assigned", request: {}, number: { endUserId: END_USER } },
  lock: { from: ["available"], to: "locked", request: { remark: "voicemail access number" } },
  unlock: { from: ["locked"], to: "available", request: { remark: "no longer needed" } },
  delete: {
    from: ["available", "locked"],
    to: "deleted",
    request: { reason: "returned_to_vendor", remark: "vendor took it back" },
  },
  recover: { from: ["deleted"], to: "available", request: { remark: "deleted by mistake" } },
  subscription_expired: { from: ["assigned"], to: "reserved", request: {} },
  subscription_terminated: { from: ["assigned"], to: "reserved", request: {} },
  swapped_out: { from: ["assigned"], to: "reserved", request: {} },
};

const COOLING_REFUSES: ReadonlySet<Action> = new Set(["reserve", "allocate", "assign", "activate", "lock"]);

function expectedRefusal(state: State, action: Action): string {
  if (state === "cooldown" && COOLING_REFUSES.has(action)) return "in_cooldown";
  if (state === "assigned" && action === "deallocate") return "activated";
  return "invalid_state";
}

const PAIRS = STATES.flatMap((state) =>
  ACTIONS.map((action) => {
    const row = MATRIX[action];
    const allowed = row.from.includes(state);
    return { state, action, outcome: allowed ? `→ ${row.to}` : expectedRefusal(state, action), allowed };
  }),
);

describe("decide: every (state, action) pair", () => {
  it("covers 6 states × 17 actions", () => {
    expect(STATES).toHaveLength(6);
    expect([...ACTIONS].sort()).toEqual(Object.keys(MATRIX).sort());
    expect(PAIRS).toHaveLength(102);
  });

  it.each(PAIRS)("$action from $state: $outcome", ({ state, action, allowed }) => {
    const row = MATRIX[action];
    const number = inState(state, row.number);
    const decision = run(number, { action, ...row.request });
    if (allowed) {
      const change = changeOf(decision);
      expect(change.fields.state ?? number.state).toBe(row.to);
    } else {
      const refusal = refusalOf(decision);
      expect(refusal.code).toBe(expectedRefusal(state, action));
      expect(refusal.message).toMatch(/^[A-Z].*\.$/);
    }
  });

  it("explains a wrong state with the states the action needs", () => {
    expect(refusalOf(run(inState("reserved"), { action: "reserve", ownerId: OWNER, remark: "x" }))).toEqual({
      code: "invalid_state",
      message: "Cannot reserve a number that is reserved; it must be available.",
    });
    expect(refusalOf(run(inState("deleted"), { action: "assign_user", endUserId: END_USER }))).toEqual({
      code: "invalid_state",
      message: "Cannot assign user a number that is deleted; it must be assigned.",
    });
    expect(
      refusalOf(run(inState("assigned"), { action: "delete", reason: "faulty", remark: "x" })).message,
    ).toBe("Cannot delete a number that is assigned; it must be available or locked.");
  });

  it("tells until when a cooling number can be used", () => {
    expect(refusalOf(run(inState("cooldown"), { action: "reserve", ownerId: OWNER, remark: "x" }))).toEqual({
      code: "in_cooldown",
      message: "The number is cooling off until 2026-01-11T00:00:00.000Z and cannot be used yet.",
    });
  });

  it("does not modify the number it decides on", () => {
    const number = inState("assigned");
    const before = structuredClone(number);
    changeOf(run(number, { action: "deactivate" }));
    expect(number).toEqual(before);
  });
});

describe("decide: rule refusals", () => {
  const REMARKED: [Action, State, Omit<TransitionRequest, "action" | "remark">][] = [
    ["reserve", "available", { ownerId: OWNER }],
    ["release", "reserved", {}],
    ["lock", "available", {}],
    ["unlock", "locked", {}],
    ["delete", "available", { reason: "faulty" }],
    ["delete", "locked", { reason: "faulty" }],
    ["recover", "deleted", {}],
  ];
  const BLANK_REMARKS = [undefined, null, "", "   "];
  it.each(
    REMARKED.flatMap(([action, state, request]) =>
      BLANK_REMARKS.map((remark) => ({ action, state, request, remark })),
    ),
  )("remark_required: $action from $state with remark $remark", ({ action, state, request, remark }) => {
    expect(refusalOf(run(inState(state), { action, ...request, remark })).code).toBe("remark_required");
  });

  const OWNED: [Action, Omit<TransitionRequest, "action" | "ownerId">][] = [
    ["reserve", { remark: "held" }],
    ["allocate", {}],
    ["assign", { subscriptionId: SUBSCRIPTION }],
    ["activate", {}],
  ];
  it.each(
    OWNED.flatMap(([action, request]) =>
      [undefined, null, ""].map((ownerId) => ({ action, request, ownerId })),
    ),
  )("owner_required: $action from available with ownerId $ownerId", ({ action, request, ownerId }) => {
    expect(refusalOf(run(inState("available"), { action, ...request, ownerId })).code).toBe("owner_required");
  });

  it.each(OWNED)(
    "unknown_organization: %s from available for an id that names no organisation",
    (action, request) => {
      const refusal = refusalOf(
        run(inState("available"), { action, ...request, ownerId: OTHER_OWNER }, { requestedOwner: null }),
      );
      expect(refusal).toEqual({
        code: "unknown_organization",
        message: `No organisation has the id ${OTHER_OWNER}.`,
      });
    },
  );

  it.each([
    ["assign", { subscriptionId: SUBSCRIPTION }],
    ["activate", {}],
  ] as const)("owner_mismatch: %s of a number reserved for another organisation", (action, request) => {
    const refusal = refusalOf(run(inState("reserved"), { action, ...request, ownerId: OTHER_OWNER }));
    expect(refusal).toEqual({
      code: "owner_mismatch",
      message: `The number is reserved for organisation ${OWNER}, not ${OTHER_OWNER}.`,
    });
  });

  it.each([
    ["extend", "reserved", { until: days(90) }],
    ["assign", "available", { ownerId: OWNER }],
    ["assign", "reserved", {}],
  ] as const)("subscription_required: %s from %s without a subscriptionId", (action, state, request) => {
    expect(refusalOf(run(inState(state), { action, ...request, subscriptionId: null })).code).toBe(
      "subscription_required",
    );
  });

  it.each([
    ["equal to the current expiry", days(27)],
    ["before the current expiry", days(20)],
    ["missing", null],
  ])("until_not_later: extend with until %s", (_label, until) => {
    const refusal = refusalOf(
      run(inState("reserved"), { action: "extend", subscriptionId: DID_SUBSCRIPTION, until }),
    );
    expect(refusal).toEqual({
      code: "until_not_later",
      message: "The new expiry must be later than the current one (2026-01-28T00:00:00.000Z).",
    });
  });

  it.each([
    ["now", NOW],
    ["in the past", new Date(NOW.getTime() - 1)],
  ])("until_not_later: lock until %s", (_label, until) => {
    expect(refusalOf(run(inState("available"), { action: "lock", remark: "x", until })).code).toBe(
      "until_not_later",
    );
  });

  it.each(["available", "locked"] as const)("reason_required: delete from %s without a reason", (state) => {
    expect(refusalOf(run(inState(state), { action: "delete", remark: "gone" })).code).toBe("reason_required");
  });

  it("assigned_to_end_user: deactivate while an end user holds the number", () => {
    const refusal = refusalOf(run(inState("assigned", { endUserId: END_USER }), { action: "deactivate" }));
    expect(refusal.code).toBe("assigned_to_end_user");
    expect(refusal.message).toContain(END_USER);
  });

  it.each([
    ["allocate", "available"],
    ["activate", "available"],
    ["activate", "reserved"],
    ["assign", "available"],
    ["assign", "reserved"],
  ] as const)("not_at_site: %s from %s for an organisation that is not at the site", (action, state) => {
    const number = inState(state, { siteId: SITE });
    const site = siteFacts({ organizationAtSite: false });
    const request = { action, ownerId: OWNER, subscriptionId: SUBSCRIPTION };
    expect(refusalOf(run(number, request, { site })).code).toBe("not_at_site");
  });

  it.each([
    ["allocate", {}],
    ["activate", {}],
    ["assign", { subscriptionId: SUBSCRIPTION }],
  ] as const)(
    "main_number_taken: %s a main number from available for an organisation that has one at the site",
    (action, request) => {
      const number = inState("available", { siteId: SITE, mainNumber: true });
      const site = siteFacts({ organizationHasMainNumber: true });
      expect(refusalOf(run(number, { action, ownerId: OWNER, ...request }, { site }))).toEqual({
        code: "main_number_taken",
        message: "The organisation already has a main number at this site.",
      });
    },
  );

  it("main_number_taken does not apply to a main number already allocated to the organisation", () => {
    const number = inState("reserved", { siteId: SITE, mainNumber: true, reservationKind: "allocation" });
    const site = siteFacts({ organizationHasMainNumber: true });
    expect(changeOf(run(number, { action: "activate" }, { site })).fields.state).toBe("assigned");
  });

  it.each([
    { activeNumbers: 0, voiceServices: 0 },
    { activeNumbers: 2, voiceServices: 2 },
    { activeNumbers: 3, voiceServices: 2 },
  ])("no_entitlement: activate with $activeNumbers active of $voiceServices entitled", (counts) => {
    const refusal = refusalOf(
      run(inState("reserved", { siteId: SITE }), { action: "activate" }, { site: siteFacts(counts) }),
    );
    expect(refusal.code).toBe("no_entitlement");
    expect(refusal.message).toContain(
      `has ${counts.activeNumbers} active number(s) at this site and is entitled to ${counts.voiceServices} voice service(s)`,
    );
  });

  it.each([
    [
      "extend a reservation without expiry",
      inState("reserved", { reservationKind: "allocation", reservationExpiresAt: null }),
      { action: "extend", subscriptionId: DID_SUBSCRIPTION, until: days(90) },
    ],
    ["deallocate a manual reservation", inState("reserved"), { action: "deallocate" }],
    ["assign_user without endUserId", inState("assigned"), { action: "assign_user" }],
    ["unassign_user with no end user", inState("assigned"), { action: "unassign_user" }],
  ] as [string, NumberSnapshot, TransitionRequest][])("invalid_state: %s", (_label, number, request) => {
    expect(refusalOf(run(number, request)).code).toBe("invalid_state");
  });
});

describe("decide: site rules pass when they hold or do not apply", () => {
  it("allocates a main number to an organisation with none at the site, and any other number to one with a main", () => {
    const site = siteFacts({ organizationHasMainNumber: false });
    const main = inState("available", { siteId: SITE, mainNumber: true });
    expect(changeOf(run(main, { action: "allocate", ownerId: OWNER }, { site })).fields.state).toBe(
      "reserved",
    );
    const plain = inState("available", { siteId: SITE, mainNumber: false });
    const withMain = siteFacts({ organizationHasMainNumber: true });
    expect(
      changeOf(run(plain, { action: "allocate", ownerId: OWNER }, { site: withMain })).fields.state,
    ).toBe("reserved");
  });

  it("activates while active numbers are below the entitlement", () => {
    const site = siteFacts({ activeNumbers: 1, voiceServices: 2 });
    expect(
      changeOf(run(inState("reserved", { siteId: SITE }), { action: "activate" }, { site })).fields.state,
    ).toBe("assigned");
  });

  it("skips site rules for a number without a site", () => {
    const site = siteFacts({ organizationAtSite: false, activeNumbers: 9, voiceServices: 0 });
    expect(changeOf(run(inState("reserved"), { action: "activate" }, { site })).fields.state).toBe(
      "assigned",
    );
  });
});

describe("decide: the change on success", () => {
  it("reserve holds the number for the owner, kind manual, for 28 days", () => {
    const change = changeOf(
      run(inState("available"), { action: "reserve", ownerId: OWNER, remark: "trial" }),
    );
    expect(change).toEqual({
      fields: {
        ...CLEARED,
        state: "reserved",
        ownerId: OWNER,
        reservationKind: "manual",
        reservedAt: NOW,
        reservationExpiresAt: new Date("2026-01-29T00:00:00.000Z"),
        timerStartedAt: NOW,
      },
      effects: [],
    });
  });

  it("extend makes the reservation charged until the paid period ends", () => {
    const until = days(27.5);
    const change = changeOf(
      run(inState("reserved"), { action: "extend", subscriptionId: DID_SUBSCRIPTION, until }),
    );
    expect(change).toEqual({
      fields: {
        reservationKind: "charged",
        reservationExpiresAt: until,
        subscriptionId: DID_SUBSCRIPTION,
        ownerId: OWNER,
        timerStartedAt: null,
        timerPolicy: null,
      },
      effects: [],
    });
  });

  it.each([
    ["never in service", false, 30, { ...CLEARED, state: "available", inServiceSinceAvailable: false }],
    [
      "in service since available",
      true,
      30,
      {
        ...CLEARED,
        state: "cooldown",
        cooldownUntil: new Date("2026-01-31T00:00:00.000Z"),
        timerStartedAt: NOW,
        inServiceSinceAvailable: false,
      },
    ],
    [
      "in service, cooldown disabled",
      true,
      0,
      { ...CLEARED, state: "available", inServiceSinceAvailable: false },
    ],
    [
      "in service, 7-day cooldown",
      true,
      7,
      {
        ...CLEARED,
        state: "cooldown",
        cooldownUntil: days(7),
        timerStartedAt: NOW,
        inServiceSinceAvailable: false,
      },
    ],
  ] as const)("release of a number %s", (_label, inServiceSinceAvailable, cooldownDays, fields) => {
    const number = inState("reserved", { inServiceSinceAvailable });
    const change = changeOf(
      run(number, { action: "release", remark: "done" }, { periods: periodsOf({ cooldownDays }) }),
    );
    expect(change).toEqual({ fields, effects: ["clear_settings", "reset_pin"] });
  });

  it.each([
    [false, { ...CLEARED, state: "available", inServiceSinceAvailable: false }],
    [
      true,
      {
        ...CLEARED,
        state: "cooldown",
        cooldownUntil: days(30),
        timerStartedAt: NOW,
        inServiceSinceAvailable: false,
      },
    ],
  ] as const)("deallocate with inServiceSinceAvailable %s", (inServiceSinceAvailable, fields) => {
    const number = inState("reserved", {
      reservationKind: "allocation",
      reservationExpiresAt: null,
      inServiceSinceAvailable,
    });
    expect(changeOf(run(number, { action: "deallocate" }))).toEqual({
      fields,
      effects: ["clear_settings", "reset_pin"],
    });
  });

  it("not_at_site: allocate a number that is at no site (it would be a reservation that never expires)", () => {
    const refusal = refusalOf(run(inState("available"), { action: "allocate", ownerId: OWNER }));
    expect(refusal.code).toBe("not_at_site");
    expect(refusal.message).toMatch(/reserve this one instead/);
  });

  it("allocate reserves for the organisation with kind allocation and no expiry", () => {
    const number = inState("available", { siteId: SITE });
    const change = changeOf(run(number, { action: "allocate", ownerId: OWNER }, { site: siteFacts() }));
    expect(change).toEqual({
      fields: {
        ...CLEARED,
        state: "reserved",
        ownerId: OWNER,
        reservationKind: "allocation",
        reservedAt: NOW,
        reservationExpiresAt: null,
      },
      effects: [],
    });
  });

  it.each([
    [
      "assign from available",
      inState("available"),
      { action: "assign", ownerId: OWNER, subscriptionId: SUBSCRIPTION },
      SUBSCRIPTION,
    ],
    [
      "assign from reserved",
      inState("reserved"),
      { action: "assign", subscriptionId: SUBSCRIPTION },
      SUBSCRIPTION,
    ],
    ["activate from available", inState("available"), { action: "activate", ownerId: OWNER }, null],
    [
      "activate from reserved, same owner named",
      inState("reserved"),
      { action: "activate", ownerId: OWNER },
      null,
    ],
  ] as [string, NumberSnapshot, TransitionRequest, string | null][])(
    "%s puts it in service for the owner",
    (_label, number, request, subscriptionId) => {
      expect(changeOf(run(number, request))).toEqual({
        fields: {
          ...CLEARED,
          state: "assigned",
          ownerId: OWNER,
          subscriptionId,
          inServiceSinceAvailable: true,
        },
        effects: ["join_hunt_group"],
      });
    },
  );

  it.each([
    ["subscription_expired", new Date("2026-02-26T00:00:00.000Z")],
    ["subscription_terminated", new Date("2026-01-29T00:00:00.000Z")],
    ["swapped_out", new Date("2026-01-02T00:00:00.000Z")],
  ] as const)(
    "%s reserves the number for the same owner until %s, out of the hunt group",
    (action, expiresAt) => {
      expect(changeOf(run(inState("assigned"), { action }))).toEqual({
        fields: {
          ...CLEARED,
          state: "reserved",
          ownerId: OWNER,
          subscriptionId: SUBSCRIPTION,
          reservationKind: action,
          reservedAt: NOW,
          reservationExpiresAt: expiresAt,
          timerStartedAt: NOW,
        },
        effects: ["leave_hunt_group"],
      });
    },
  );

  it("deactivate keeps the owner, clears settings, resets the PIN and leaves the hunt group", () => {
    expect(changeOf(run(inState("assigned"), { action: "deactivate" }))).toEqual({
      fields: {
        ...CLEARED,
        state: "reserved",
        ownerId: OWNER,
        reservationKind: "manual",
        reservedAt: NOW,
        reservationExpiresAt: days(28),
        timerStartedAt: NOW,
      },
      effects: ["clear_settings", "reset_pin", "leave_hunt_group"],
    });
  });

  it("deactivate of a site number keeps it allocated to the owner", () => {
    const change = changeOf(run(inState("assigned", { siteId: SITE }), { action: "deactivate" }));
    expect(change.fields).toMatchObject({ state: "reserved", ownerId: OWNER, reservationKind: "allocation" });
    expect(change.fields.reservationExpiresAt).toBeNull();
    expect(change.effects).toEqual(["clear_settings", "reset_pin", "leave_hunt_group"]);
  });

  it.each([
    [28, days(28)],
    [14, days(14)],
  ])("lock without until expires after the lock period (%i days)", (lockPeriodDays, lockExpiresAt) => {
    const change = changeOf(
      run(
        inState("available"),
        { action: "lock", remark: "  voicemail  " },
        { periods: periodsOf({ lockDays: lockPeriodDays }) },
      ),
    );
    expect(change).toEqual({
      fields: {
        ...CLEARED,
        state: "locked",
        lockedAt: NOW,
        lockExpiresAt,
        lockRemark: "voicemail",
        timerStartedAt: NOW,
      },
      effects: [],
    });
  });

  it("lock with until expires then", () => {
    const until = new Date(NOW.getTime() + 1);
    const change = changeOf(run(inState("available"), { action: "lock", remark: "voicemail", until }));
    // An explicit expiry is no period's: no policy will recompute it.
    expect(change.fields).toMatchObject({
      state: "locked",
      lockedAt: NOW,
      lockExpiresAt: until,
      timerStartedAt: null,
      timerPolicy: null,
    });
  });

  it("unlock returns the number to available", () => {
    expect(changeOf(run(inState("locked"), { action: "unlock", remark: "free" }))).toEqual({
      fields: { ...CLEARED, state: "available", inServiceSinceAvailable: false },
      effects: [],
    });
  });

  it.each([
    ["available", "ported_out"],
    ["available", "returned_to_vendor"],
    ["locked", "faulty"],
  ] as const)("delete from %s records the reason %s and drops any hold", (state, reason) => {
    expect(changeOf(run(inState(state), { action: "delete", reason, remark: "gone" }))).toEqual({
      fields: { ...CLEARED, state: "deleted", deletedReason: reason },
      effects: [],
    });
  });

  it("recover returns a deleted number to available", () => {
    expect(changeOf(run(inState("deleted"), { action: "recover", remark: "mistake" }))).toEqual({
      fields: { ...CLEARED, state: "available", inServiceSinceAvailable: false },
      effects: [],
    });
  });

  it("assign_user and unassign_user set and clear the end user only", () => {
    expect(changeOf(run(inState("assigned"), { action: "assign_user", endUserId: END_USER }))).toEqual({
      fields: { endUserId: END_USER },
      effects: [],
    });
    expect(changeOf(run(inState("assigned", { endUserId: END_USER }), { action: "unassign_user" }))).toEqual({
      fields: { endUserId: null },
      effects: [],
    });
  });
});

describe("decide: a number's way through its life", () => {
  const step = (
    number: NumberSnapshot,
    request: TransitionRequest,
    overrides: Partial<DecisionContext> = {},
  ) => apply(number, changeOf(run(number, request, overrides)));

  it("a reservation never used goes straight back to available", () => {
    const reserved = step(inState("available"), { action: "reserve", ownerId: OWNER, remark: "trial" });
    expect(step(reserved, { action: "release", remark: "unused" }).state).toBe("available");
  });

  it("a number that was in service cools down after deactivate and release", () => {
    const assigned = step(inState("available"), {
      action: "assign",
      ownerId: OWNER,
      subscriptionId: SUBSCRIPTION,
    });
    const reserved = step(assigned, { action: "deactivate" });
    expect(reserved.inServiceSinceAvailable).toBe(true);
    const released = step(reserved, { action: "release", remark: "done" });
    expect(released).toMatchObject({
      state: "cooldown",
      cooldownUntil: days(30),
      inServiceSinceAvailable: false,
    });
  });

  it("a number whose subscription ended cools down when released", () => {
    const reserved = step(inState("assigned"), { action: "subscription_terminated" });
    expect(step(reserved, { action: "release", remark: "done" }).state).toBe("cooldown");
  });
});
