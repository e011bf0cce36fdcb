import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { historySnapshot, toSnapshot } from "../../src/db/number-columns.js";
import { EXPIRIES } from "../../src/lifecycle/expiries.js";
import { backToInventory } from "../../src/lifecycle/holds.js";
import { defaultPeriods, resolvePeriods } from "../../src/lifecycle/policies.js";
import { runSweeps } from "../../src/services/sweeps.js";
import { addNumbers, createOrganization, freshNumber, getNumber, transition } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { type SmtpCapture, startSmtpCapture } from "../support/smtp.js";
import {
  DAY_MS,
  history,
  insertNumber,
  MINUTE_MS,
  mailQueueIdle,
  numberRow,
  shift,
  sweep,
} from "./fixtures.js";

const PLATFORM_DESK = "desk@platform.test";
let t: TestContext;
let smtp: SmtpCapture;
let owner: { id: string; billingEmail: string };

beforeAll(async () => {
  smtp = await startSmtpCapture();
  t = await createTestContext({ smtpUrl: smtp.url, platformSupportEmail: PLATFORM_DESK });
  await t.startWorker();
  owner = await createOrganization(t.app, { kind: "customer" });
});
afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});

const reservedDue = (at: Date, inService: boolean) =>
  insertNumber(t.deps, {
    state: "reserved",
    owner_id: owner.id,
    reservation_kind: inService ? "subscription_terminated" : "manual",
    reserved_at: shift(at, -28 * DAY_MS),
    reservation_expires_at: shift(at, -MINUTE_MS),
    subscription_id: inService ? "sub-1" : null,
    in_service_since_available: inService,
    settings: JSON.stringify({ forward: "+6560000000" }),
    pin_hash: "scrypt$not-a-real-hash",
  });

describe("reservation expiry is the pure rule, applied set-based", () => {
  it.each([
    { cooldownDays: 30, inService: true },
    { cooldownDays: 30, inService: false },
    { cooldownDays: 0, inService: true },
  ])(
    "gives exactly what backToInventory gives (cooldown $cooldownDays days, in service: $inService)",
    async ({ cooldownDays, inService }) => {
      const at = new Date("2026-06-01T12:00:00.000Z");
      const number = await reservedDue(at, inService);
      const before = toSnapshot(await numberRow(t.deps, number));
      const deps = { ...t.deps, config: { ...t.deps.config, cooldownDays } };
      const report = await runSweeps(deps, { at });
      expect(report.numbers.reservationsExpired).toContain(number);

      const expected = {
        ...before,
        ...backToInventory(before, {
          now: at,
          periods: resolvePeriods([], before, defaultPeriods({ cooldownDays, lockPeriodDays: 28 })),
        }).fields,
      };
      const row = await numberRow(t.deps, number);
      expect(toSnapshot(row)).toEqual(expected);
      expect(row.version).toBe(2);
      // The last holder's settings and PIN go with the hold.
      expect(row.settings).toEqual({});
      expect(row.pin_hash).toBeNull();
      const last = (await history(t.app, number)).at(-1)!;
      expect(last).toMatchObject({ action: "reservation_expired", actor: "system", at: at.toISOString() });
      // The snapshot written by SQL is the one TypeScript writes for the same rows.
      expect(last.before).toEqual(historySnapshot(before));
      expect(last.after).toEqual(historySnapshot(toSnapshot(row)));
    },
  );

  it("works through many batches, each number changed and recorded once", async () => {
    const at = new Date("2026-07-01T00:00:00.000Z");
    const numbers = await Promise.all(Array.from({ length: 25 }, () => reservedDue(at, false)));
    const report = await runSweeps(t.deps, { at, batchSize: 7 });
    expect(report.numbers.reservationsExpired).toEqual(expect.arrayContaining(numbers));
    const rows = await t.deps.db
      .selectFrom("number_history")
      .select(({ fn }) => fn.countAll<number>().as("count"))
      .where("number", "in", numbers)
      .where("action", "=", "reservation_expired")
      .executeTakeFirstOrThrow();
    expect(rows.count).toBe(25);
  });

  it("leaves a number with a pending transition for the next run", async () => {
    const at = new Date("2026-08-01T00:00:00.000Z");
    const number = await reservedDue(at, false);
    await t.deps.db
      .updateTable("numbers")
      .set({ pending_transition_id: randomUUID(), pending_action: "release", pending_since: at })
      .where("number", "=", number)
      .execute();
    expect((await runSweeps(t.deps, { at })).numbers.reservationsExpired).not.toContain(number);
    expect((await numberRow(t.deps, number)).state).toBe("reserved");

    await t.deps.db
      .updateTable("numbers")
      .set({ pending_transition_id: null, pending_action: null, pending_since: null })
      .where("number", "=", number)
      .execute();
    expect((await runSweeps(t.deps, { at })).numbers.reservationsExpired).toContain(number);
  });
});

describe("locks", () => {
  it("tells both support desks 7 days ahead and when released; a lock without expiry stays", async () => {
    const partner = await createOrganization(t.app, { kind: "partner" });
    const [partnerNumber, platformNumber, forever] = await addNumbers(t.app, [
      { number: freshNumber(), partnerId: partner.id },
      { number: freshNumber() },
      { number: freshNumber(), state: "locked" },
    ]).then((items) => items.map((item) => item.number as string));
    const until = shift(t.clock.now(), 20 * DAY_MS);
    for (const number of [partnerNumber!, platformNumber!])
      await transition(t.app, number, {
        action: "lock",
        remark: "voicemail access",
        until: until.toISOString(),
      });

    const early = await sweep(t.app, { at: shift(until, -8 * DAY_MS) });
    expect(early.notices.lockExpiring).toBe(0);

    const ahead = await sweep(t.app, { at: shift(until, -7 * DAY_MS + MINUTE_MS) });
    expect(ahead.numbers.lockExpiring).toEqual([partnerNumber, platformNumber].sort());
    await mailQueueIdle(t.deps);
    const [partnerMail] = smtp.to(partner.supportEmail!);
    expect(smtp.to(partner.supportEmail!)).toHaveLength(1);
    expect(partnerMail!.subject).toMatch(/lock/);
    expect(partnerMail!.text).toContain(partnerNumber);
    expect(partnerMail!.text).not.toContain(platformNumber);
    expect(partnerMail!.text).toContain(until.toISOString());
    const [deskMail] = smtp.to(PLATFORM_DESK);
    expect(smtp.to(PLATFORM_DESK)).toHaveLength(1);
    expect(deskMail!.text).toContain(partnerNumber);
    expect(deskMail!.text).toContain(platformNumber);

    const released = await sweep(t.app, { at: shift(until, MINUTE_MS) });
    expect(released.numbers.locksExpired).toEqual([partnerNumber, platformNumber].sort());
    expect(released.numbers.lockExpired).toEqual([partnerNumber, platformNumber].sort());
    await mailQueueIdle(t.deps);
    expect(smtp.to(partner.supportEmail!)).toHaveLength(2);
    expect(smtp.to(PLATFORM_DESK)).toHaveLength(2);
    expect(smtp.to(partner.supportEmail!)[1]!.subject).toMatch(/lock/);
    expect(smtp.to(PLATFORM_DESK)[1]!.text).toContain(platformNumber);

    expect((await getNumber(t.app, partnerNumber!)).body).toMatchObject({ state: "available", lock: null });
    expect((await history(t.app, partnerNumber!)).at(-1)).toMatchObject({
      action: "lock_expired",
      actor: "system",
    });
    expect((await getNumber(t.app, forever!)).body.state).toBe("locked");

    await sweep(t.app, { at: shift(until, 2 * DAY_MS) });
    await mailQueueIdle(t.deps);
    expect(smtp.to(PLATFORM_DESK)).toHaveLength(2);
  });

  it("sends one e-mail per recipient per sweep, however many kinds of notice it carries", async () => {
    const at = new Date("2027-01-10T00:00:00.000Z");
    const expiring = await insertNumber(t.deps, {
      state: "locked",
      locked_at: shift(at, -DAY_MS),
      lock_expires_at: shift(at, 3 * DAY_MS),
    });
    const expired = await insertNumber(t.deps, {
      state: "locked",
      locked_at: shift(at, -DAY_MS),
      lock_expires_at: shift(at, -MINUTE_MS),
    });
    const before = smtp.to(PLATFORM_DESK).length;
    const report = await sweep(t.app, { at });
    expect(report.numbers.lockExpiring).toEqual([expiring]);
    expect(report.numbers.lockExpired).toEqual([expired]);
    await mailQueueIdle(t.deps);
    const mails = smtp.to(PLATFORM_DESK).slice(before);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toMatch(/lock expires within 7 days; 1 number lock expired/);
    expect(mails[0]!.text).toContain(expiring);
    expect(mails[0]!.text).toContain(expired);
  });
});

describe("dry run", () => {
  it("reports what a run would do, changes nothing and sends nothing", async () => {
    const at = new Date("2027-03-01T00:00:00.000Z");
    const partner = await createOrganization(t.app, { kind: "partner" });
    const numbers = [
      await reservedDue(at, true),
      await insertNumber(t.deps, {
        state: "reserved",
        owner_id: owner.id,
        reservation_kind: "manual",
        reserved_at: shift(at, -25 * DAY_MS),
        reservation_expires_at: shift(at, 3 * DAY_MS),
      }),
      await insertNumber(t.deps, {
        state: "locked",
        partner_id: partner.id,
        lock_expires_at: shift(at, -DAY_MS),
      }),
      await insertNumber(t.deps, { state: "locked", lock_expires_at: shift(at, 2 * DAY_MS) }),
      await insertNumber(t.deps, { state: "cooldown", cooldown_until: shift(at, -DAY_MS) }),
    ];
    const snapshot = async () => ({
      rows: await t.deps.db
        .selectFrom("numbers")
        .selectAll()
        .where("number", "in", numbers)
        .orderBy("number")
        .execute(),
      history: await t.deps.db
        .selectFrom("number_history")
        .select("id")
        .where("number", "in", numbers)
        .execute(),
      notices: await t.deps.db.selectFrom("notices").select("id").execute(),
    });
    const before = await snapshot();
    const mailsBefore = smtp.messages.length;

    const dry = await sweep(t.app, { at, dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.numbers.reservationsExpired).toContain(numbers[0]);
    expect(dry.numbers.reservationExpiring).toContain(numbers[1]);
    expect(dry.numbers.lockExpired).toContain(numbers[2]);
    expect(dry.numbers.lockExpiring).toContain(numbers[3]);
    expect(dry.numbers.cooldownsEnded).toContain(numbers[4]);
    // Who would be e-mailed about what: one e-mail per recipient, its notices by kind.
    const email = (recipient: string) => dry.emails.find((entry) => entry.recipient === recipient);
    expect(email(owner.billingEmail)?.notices).toEqual([
      {
        kind: "reservation_expiring",
        numbers: [{ number: numbers[1], expiresAt: shift(at, 3 * DAY_MS).toISOString() }],
      },
    ]);
    expect(email(partner.supportEmail!)?.notices).toEqual([
      {
        kind: "lock_expired",
        numbers: [{ number: numbers[2], expiresAt: shift(at, -DAY_MS).toISOString() }],
      },
    ]);
    expect(
      email(PLATFORM_DESK)?.notices.map((notice) => [notice.kind, notice.numbers.map((n) => n.number)]),
    ).toEqual(
      expect.arrayContaining([
        ["lock_expired", expect.arrayContaining([numbers[2]])],
        ["lock_expiring", expect.arrayContaining([numbers[3]])],
      ]),
    );
    expect(await snapshot()).toEqual(before);
    const jobs = await t.deps.queues.mail.getJobCounts();
    expect(Object.values(jobs).reduce((sum, count) => sum + count, 0)).toBe(0);

    const real = await sweep(t.app, { at });
    expect({ ...real, dryRun: true }).toEqual(dry);
    await mailQueueIdle(t.deps);
    expect(smtp.messages.length).toBeGreaterThan(mailsBefore);
  });
});

// Last in the file: a lock's expiry e-mails the platform desk, which the tests above count.
describe("lock expiry and cooldown end are the pure rules, applied set-based", () => {
  it.each([
    [
      "lock",
      { state: "locked", locked_at: shift("2026-06-01", -DAY_MS), lock_remark: "held" },
      "lockExpiresAt",
    ],
    ["cooldown", { state: "cooldown" }, "cooldownUntil"],
  ] as const)("ends a %s exactly as EXPIRIES says", async (name, columns, due) => {
    const at = new Date("2026-06-02T12:00:00.000Z");
    const number = await insertNumber(t.deps, {
      ...columns,
      [due === "lockExpiresAt" ? "lock_expires_at" : "cooldown_until"]: shift(at, -MINUTE_MS),
    });
    const before = toSnapshot(await numberRow(t.deps, number));
    await runSweeps(t.deps, { at });
    const row = await numberRow(t.deps, number);
    const rule = EXPIRIES[name];
    expect(rule.due).toBe(due);
    expect(toSnapshot(row)).toEqual({
      ...before,
      ...rule.change(before, {
        now: at,
        periods: resolvePeriods([], before, defaultPeriods({ cooldownDays: 30, lockPeriodDays: 28 })),
      }).fields,
    });
    const last = (await history(t.app, number)).at(-1)!;
    expect(last).toMatchObject({ action: rule.action, actor: "system" });
    expect(last.after).toEqual(historySnapshot(toSnapshot(row)));
  });
});
