import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNumber, createOrganization, getNumber, transition } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { type SmtpCapture, startSmtpCapture } from "../support/smtp.js";
import { DAY_MS, endSubscription, history, MINUTE_MS, notices, shift, sweepAndSend } from "./fixtures.js";

let t: TestContext;
let smtp: SmtpCapture;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  t = await createTestContext({ smtpUrl: smtp.url, cooldownDays: 30 });
  await t.startWorker();
});
afterAll(async () => {
  await t?.close();
  await smtp?.stop();
});

const sweepAt = (at: Date) => sweepAndSend(t.app, t.deps, at);

async function expiryOf(number: string): Promise<Date> {
  const { body } = await getNumber(t.app, number);
  return new Date(body.reservation.expiresAt);
}

/** A fresh number put into service for `ownerId`, then billing reports the subscription `event`. */
const reservedAfterSubscription = async (ownerId: string, event: "expired" | "swapped_out") =>
  endSubscription(t.app, await addNumber({}, t.app), ownerId, event);

describe("reservation timelines, swept as of chosen instants", () => {
  it("28 days (manual): one notice to the customer's billing e-mail 7 days ahead, then available", async () => {
    const customer = await createOrganization(t.app, { kind: "customer" });
    const number = await addNumber({}, t.app);
    await transition(t.app, number, { action: "reserve", ownerId: customer.id, remark: "for a trial" });
    const expiry = await expiryOf(number);
    expect(expiry.getTime() - t.clock.now().getTime()).toBe(28 * DAY_MS);

    const early = await sweepAt(shift(expiry, -8 * DAY_MS));
    expect(early.notices.reservationExpiring).toBe(0);
    expect(smtp.to(customer.billingEmail)).toHaveLength(0);

    const due = await sweepAt(shift(expiry, -7 * DAY_MS + MINUTE_MS));
    expect(due.notices.reservationExpiring).toBe(1);
    expect(due.numbers.reservationExpiring).toEqual([number]);
    const [mail] = smtp.to(customer.billingEmail);
    expect(smtp.to(customer.billingEmail)).toHaveLength(1);
    expect(mail!.subject).toMatch(/expire/);
    expect(mail!.text).toContain(number);
    expect(mail!.text).toContain(expiry.toISOString());
    expect(mail!.html).toContain(number);
    expect(smtp.to(customer.ownerEmail)).toHaveLength(0);

    const [notice] = await notices(t.app, { number });
    expect(notice).toMatchObject({
      kind: "reservation_expiring",
      number,
      expiresAt: expiry.toISOString(),
      recipient: customer.billingEmail,
      status: "sent",
    });
    expect(notice!.sentAt).not.toBeNull();

    for (const before of [-6 * DAY_MS, -DAY_MS, -MINUTE_MS]) {
      const later = await sweepAt(shift(expiry, before));
      expect(later.notices.reservationExpiring).toBe(0);
      expect(later.reservationsExpired).toBe(0);
    }
    expect(smtp.to(customer.billingEmail)).toHaveLength(1);
    expect((await getNumber(t.app, number)).body.state).toBe("reserved");

    const after = await sweepAt(shift(expiry, MINUTE_MS));
    expect(after.reservationsExpired).toBe(1);
    expect(after.numbers.reservationsExpired).toEqual([number]);
    const swept = (await getNumber(t.app, number)).body;
    expect(swept).toMatchObject({
      state: "available",
      ownerId: null,
      reservation: null,
      cooldownUntil: null,
    });
    const last = (await history(t.app, number)).at(-1)!;
    expect(last).toMatchObject({ action: "reservation_expired", actor: "system" });
    expect(last.before).toMatchObject({ state: "reserved", ownerId: customer.id });
    expect(last.after).toMatchObject({ state: "available", ownerId: null });
    expect(smtp.to(customer.billingEmail)).toHaveLength(1);
  });

  it("56 days (subscription expired): a partner is told at its owner e-mail; cooldown, then available", async () => {
    const partner = await createOrganization(t.app, { kind: "partner" });
    const number = await reservedAfterSubscription(partner.id, "expired");
    const expiry = await expiryOf(number);
    expect(expiry.getTime() - t.clock.now().getTime()).toBe(56 * DAY_MS);

    expect((await sweepAt(shift(expiry, -8 * DAY_MS))).notices.reservationExpiring).toBe(0);
    expect((await sweepAt(shift(expiry, -7 * DAY_MS + MINUTE_MS))).notices.reservationExpiring).toBe(1);
    expect((await sweepAt(shift(expiry, -3 * DAY_MS))).notices.reservationExpiring).toBe(0);
    expect(smtp.to(partner.ownerEmail)).toHaveLength(1);
    expect(smtp.to(partner.billingEmail)).toHaveLength(0);

    const expiredAt = shift(expiry, MINUTE_MS);
    const expired = await sweepAt(expiredAt);
    expect(expired.numbers.reservationsExpired).toEqual([number]);
    const cooling = (await getNumber(t.app, number)).body;
    expect(cooling.state).toBe("cooldown");
    expect(cooling.cooldownUntil).toBe(shift(expiredAt, 30 * DAY_MS).toISOString());

    const stillCooling = await sweepAt(shift(expiredAt, 30 * DAY_MS - MINUTE_MS));
    expect(stillCooling.cooldownsEnded).toBe(0);
    const ended = await sweepAt(shift(expiredAt, 30 * DAY_MS));
    expect(ended.numbers.cooldownsEnded).toEqual([number]);
    expect((await getNumber(t.app, number)).body).toMatchObject({ state: "available", cooldownUntil: null });
    const actions = (await history(t.app, number)).map((entry) => `${entry.action}/${entry.actor}`);
    expect(actions.slice(-2)).toEqual(["reservation_expired/system", "cooldown_ended/system"]);
    expect(smtp.to(partner.ownerEmail)).toHaveLength(1);
  });

  it("1 day (swapped out): less than 7 days left is noticed on the next sweep; then cooldown", async () => {
    const customer = await createOrganization(t.app, { kind: "customer" });
    const number = await reservedAfterSubscription(customer.id, "swapped_out");
    const expiry = await expiryOf(number);
    expect(expiry.getTime() - t.clock.now().getTime()).toBe(DAY_MS);

    const next = await sweepAt(shift(t.clock.now(), MINUTE_MS));
    expect(next.numbers.reservationExpiring).toEqual([number]);
    expect((await sweepAt(shift(expiry, -MINUTE_MS))).notices.reservationExpiring).toBe(0);
    const mails = smtp.to(customer.billingEmail);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text).toContain(expiry.toISOString());

    const expired = await sweepAt(shift(expiry, MINUTE_MS));
    expect(expired.numbers.reservationsExpired).toEqual([number]);
    expect((await getNumber(t.app, number)).body.state).toBe("cooldown");
  });

  it("a reservation first swept after its expiry is released without a late notice", async () => {
    const customer = await createOrganization(t.app, { kind: "customer" });
    const number = await addNumber({}, t.app);
    await transition(t.app, number, { action: "reserve", ownerId: customer.id, remark: "short-lived" });
    const expiry = await expiryOf(number);

    const report = await sweepAt(shift(expiry, 2 * DAY_MS));
    expect(report.numbers.reservationsExpired).toEqual([number]);
    expect(report.notices.reservationExpiring).toBe(0);
    expect(await notices(t.app, { number })).toEqual([]);
    expect(smtp.to(customer.billingEmail)).toHaveLength(0);
  });

  it("an extended reservation earns a new notice for its new expiry", async () => {
    const customer = await createOrganization(t.app, { kind: "customer" });
    const number = await addNumber({}, t.app);
    await transition(t.app, number, { action: "reserve", ownerId: customer.id, remark: "to extend" });
    const firstExpiry = await expiryOf(number);
    await sweepAt(shift(firstExpiry, -7 * DAY_MS + MINUTE_MS));
    expect(smtp.to(customer.billingEmail)).toHaveLength(1);

    const until = shift(firstExpiry, 30 * DAY_MS);
    await transition(t.app, number, {
      action: "extend",
      subscriptionId: "did-res-1",
      until: until.toISOString(),
    });
    const passed = await sweepAt(shift(firstExpiry, MINUTE_MS));
    expect(passed.reservationsExpired).toBe(0);
    expect(passed.notices.reservationExpiring).toBe(0);

    const again = await sweepAt(shift(until, -7 * DAY_MS + MINUTE_MS));
    expect(again.numbers.reservationExpiring).toEqual([number]);
    const mails = smtp.to(customer.billingEmail);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.text).toContain(until.toISOString());
    const recorded = await notices(t.app, { number, kind: "reservation_expiring" });
    expect(recorded.map((notice) => notice.expiresAt)).toEqual([
      firstExpiry.toISOString(),
      until.toISOString(),
    ]);
    expect(recorded.every((notice) => notice.status === "sent")).toBe(true);
  });
});
