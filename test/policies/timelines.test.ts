import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNumber, call, createOrganization, freshNumber, getNumber, transition } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { type SmtpCapture, startSmtpCapture } from "../support/smtp.js";
import { DAY_MS, endSubscription, history, MINUTE_MS, shift, sweepAndSend } from "../sweeps/fixtures.js";

const PLATFORM_DESK = "desk@platform.test";
let t: TestContext;
let smtp: SmtpCapture;
let now: Date;

const PORTED_IN_SG = { country: "SG", class: "ported_in" } as const;
const GOLDEN = { country: null, class: "golden" } as const;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  // COOLDOWN_DAYS=0: numbers without a policy go straight back to available, except US numbers.
  t = await createTestContext({ smtpUrl: smtp.url, cooldownDays: 0, platformSupportEmail: PLATFORM_DESK });
  await t.startWorker();
  now = t.clock.now();
  const put = await call(t.app, "PUT", "/v1/policies", {
    body: {
      policies: [
        {
          ...PORTED_IN_SG,
          cooldownDays: 60,
          subscriptionExpiredDays: 84,
          subscriptionTerminatedDays: 56,
          swappedOutDays: 28,
        },
        { ...GOLDEN, cooldownDays: 90, reservationDays: 56, lockDays: 60 },
      ],
    },
  });
  expect(put.status, put.text).toBe(200);
});
afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});

const sweepAt = (at: Date) => sweepAndSend(t.app, t.deps, at);

const NUMBERS = {
  us: { number: () => freshNumber("+1212555"), country: "US", sku: "DID-US" },
  portedIn: { number: () => freshNumber(), country: "SG", portedIn: true },
  golden: { number: () => freshNumber(), country: "SG", golden: true },
  plain: { number: () => freshNumber(), country: "SG" },
};
type Kind = keyof typeof NUMBERS;

async function addOf(kind: Kind) {
  const { number, ...fields } = NUMBERS[kind];
  return addNumber({ number: number(), ...fields }, t.app);
}

const afterEvent = async (kind: Kind, ownerId: string, event: "expired" | "terminated" | "swapped_out") =>
  endSubscription(t.app, await addOf(kind), ownerId, event);

type Policy = typeof PORTED_IN_SG | typeof GOLDEN | null;
const HOLDS: [Kind, "expired" | "terminated" | "swapped_out", number, Policy, number, Policy][] = [
  ["us", "expired", 56, null, 45, null],
  ["us", "terminated", 28, null, 45, null],
  ["us", "swapped_out", 1, null, 45, null],
  ["portedIn", "expired", 84, PORTED_IN_SG, 60, PORTED_IN_SG],
  ["portedIn", "terminated", 56, PORTED_IN_SG, 60, PORTED_IN_SG],
  ["portedIn", "swapped_out", 28, PORTED_IN_SG, 60, PORTED_IN_SG],
  ["golden", "expired", 56, null, 90, GOLDEN],
  ["golden", "terminated", 28, null, 90, GOLDEN],
  ["golden", "swapped_out", 1, null, 90, GOLDEN],
  ["plain", "expired", 56, null, 0, null],
  ["plain", "swapped_out", 1, null, 0, null],
];

describe("each number's own periods through a subscription event, its notice, expiry and cooldown", () => {
  it.each(HOLDS)(
    "%s number, subscription %s: held %i days (policy %o), then cools down %i days (policy %o)",
    async (kind, event, holdDays, holdPolicy, cooldownDays, cooldownPolicy) => {
      const customer = await createOrganization(t.app, { kind: "customer" });
      const number = await afterEvent(kind, customer.id, event);
      const held = (await getNumber(t.app, number)).body;
      const expiry = shift(now, holdDays * DAY_MS);
      expect(held.reservation.expiresAt).toBe(expiry.toISOString());
      expect(held.timerPolicy).toEqual(holdPolicy);

      // The 7-day notice follows this number's expiry (at once when less than 7 days are left).
      const noticeFrom = new Date(Math.max(expiry.getTime() - 7 * DAY_MS, now.getTime()));
      if (noticeFrom > now)
        expect((await sweepAt(shift(noticeFrom, -MINUTE_MS))).numbers.reservationExpiring).not.toContain(
          number,
        );
      expect((await sweepAt(shift(noticeFrom, MINUTE_MS))).numbers.reservationExpiring).toContain(number);
      const mails = smtp.to(customer.billingEmail);
      expect(mails).toHaveLength(1);
      expect(mails[0]!.text).toContain(number);
      expect(mails[0]!.text).toContain(expiry.toISOString());

      expect((await sweepAt(shift(expiry, -MINUTE_MS))).numbers.reservationsExpired).not.toContain(number);
      const expiredAt = shift(expiry, MINUTE_MS);
      expect((await sweepAt(expiredAt)).numbers.reservationsExpired).toContain(number);
      const back = (await getNumber(t.app, number)).body;
      if (cooldownDays === 0) {
        expect(back).toMatchObject({ state: "available", cooldownUntil: null, timerPolicy: null });
        return;
      }
      const cooldownUntil = shift(expiredAt, cooldownDays * DAY_MS);
      expect(back).toMatchObject({ state: "cooldown", cooldownUntil: cooldownUntil.toISOString() });
      expect(back.timerPolicy).toEqual(cooldownPolicy);

      expect((await sweepAt(shift(cooldownUntil, -MINUTE_MS))).numbers.cooldownsEnded).not.toContain(number);
      expect((await sweepAt(cooldownUntil)).numbers.cooldownsEnded).toContain(number);
      expect((await getNumber(t.app, number)).body).toMatchObject({
        state: "available",
        cooldownUntil: null,
        timerPolicy: null,
      });
      const actions = (await history(t.app, number)).map((entry) => entry.action);
      expect(actions.slice(-2)).toEqual(["reservation_expired", "cooldown_ended"]);
      expect(smtp.to(customer.billingEmail)).toHaveLength(1);
    },
  );
});

describe("periods decided by the worker", () => {
  it("a US number released after service cools down 45 days though COOLDOWN_DAYS is 0", async () => {
    const customer = await createOrganization(t.app, { kind: "customer" });
    const us = await addOf("us");
    const plain = await addOf("plain");
    for (const number of [us, plain]) {
      await transition(t.app, number, {
        action: "assign",
        ownerId: customer.id,
        subscriptionId: `sub-${number}`,
      });
      await transition(t.app, number, { action: "deactivate" });
      await transition(t.app, number, { action: "release", remark: "customer left" });
    }
    expect((await getNumber(t.app, us)).body).toMatchObject({
      state: "cooldown",
      cooldownUntil: shift(now, 45 * DAY_MS).toISOString(),
      timerPolicy: null,
    });
    expect((await getNumber(t.app, plain)).body).toMatchObject({ state: "available", cooldownUntil: null });
  });

  it("a golden reservation runs 56 days beside a plain one's 28, each noticed 7 days before its own expiry", async () => {
    const customer = await createOrganization(t.app, { kind: "customer" });
    const golden = await addOf("golden");
    const plain = await addOf("plain");
    for (const number of [golden, plain])
      await transition(t.app, number, { action: "reserve", ownerId: customer.id, remark: "for a trial" });
    expect((await getNumber(t.app, golden)).body).toMatchObject({
      reservation: { kind: "manual", expiresAt: shift(now, 56 * DAY_MS).toISOString() },
      timerPolicy: GOLDEN,
    });
    expect((await getNumber(t.app, plain)).body.reservation.expiresAt).toBe(
      shift(now, 28 * DAY_MS).toISOString(),
    );

    const first = await sweepAt(shift(now, 21 * DAY_MS + MINUTE_MS));
    expect(first.numbers.reservationExpiring).toContain(plain);
    expect(first.numbers.reservationExpiring).not.toContain(golden);
    const second = await sweepAt(shift(now, 49 * DAY_MS + MINUTE_MS));
    expect(second.numbers.reservationExpiring).toContain(golden);
    expect(second.numbers.reservationsExpired).toContain(plain);
    const mails = smtp.to(customer.billingEmail);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.text).toContain(golden);
    expect(mails[1]!.text).not.toContain(plain);
  });

  it("a golden lock on the default period runs 60 days; support is told 7 days before it ends", async () => {
    const golden = await addOf("golden");
    await transition(t.app, golden, { action: "lock", remark: "voicemail access" });
    const expiry = shift(now, 60 * DAY_MS);
    expect((await getNumber(t.app, golden)).body).toMatchObject({
      lock: { expiresAt: expiry.toISOString() },
      timerPolicy: GOLDEN,
    });
    expect((await sweepAt(shift(expiry, -7 * DAY_MS - MINUTE_MS))).numbers.lockExpiring).not.toContain(
      golden,
    );
    expect((await sweepAt(shift(expiry, -7 * DAY_MS + MINUTE_MS))).numbers.lockExpiring).toContain(golden);
    expect(smtp.to(PLATFORM_DESK).some((mail) => mail.text.includes(golden))).toBe(true);
    expect((await sweepAt(expiry)).numbers.locksExpired).toContain(golden);
    expect((await getNumber(t.app, golden)).body).toMatchObject({ state: "available", timerPolicy: null });
  });
});
