import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertPendingTransitions } from "../../src/db/transitions.js";
import { call, createKey, createOrganization } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { createSite, insertNumbers, listAll } from "./fixtures.js";

let t: TestContext;
const ids = { partner: "", occupier: "", stranger: "", site: "" };
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestContext();
  const partner = await createOrganization(t.app, { kind: "partner" });
  const occupier = await createOrganization(t.app, { partnerId: partner.id });
  const stranger = await createOrganization(t.app);
  Object.assign(ids, { partner: partner.id, occupier: occupier.id, stranger: stranger.id });
  ids.site = await createSite(t.deps, partner.id, [occupier.id]);
  const now = t.clock.now();
  const inDays = (days: number) => new Date(now.getTime() + days * DAY);
  const atSite = { site_id: ids.site, partner_id: ids.partner };
  const australia = { country: "AU", vendor: "telstra", sku: "DID-AU" };
  const britain = { country: "GB", vendor: "bt", sku: "DID-GB" };
  await insertNumbers(t.deps, [
    {
      number: "+6561230001",
      ...atSite,
      capabilities: ["voice", "sms"],
      golden: true,
      routing: "sip:a,b",
      visible_to_domain: "a.example",
      range_name: "R1",
    },
    {
      number: "+6561230002",
      ...atSite,
      state: "reserved",
      owner_id: ids.occupier,
      reservation_kind: "allocation",
      reserved_at: now,
    },
    {
      number: "+6561239993",
      ...atSite,
      state: "reserved",
      owner_id: ids.partner,
      reservation_kind: "allocation",
      reserved_at: now,
      main_number: true,
    },
    {
      number: "+6588884567",
      state: "reserved",
      owner_id: ids.stranger,
      reservation_kind: "manual",
      reserved_at: now,
      reservation_expires_at: inDays(5),
    },
    {
      number: "+6144445555",
      ...australia,
      state: "assigned",
      owner_id: ids.occupier,
      subscription_id: "sub-1",
      end_user_id: "user-1",
      ported_in: true,
      capabilities: ["voice", "fax"],
    },
    {
      number: "+6144441234",
      ...australia,
      state: "locked",
      locked_at: now,
      lock_expires_at: inDays(3),
      lock_remark: "voicemail",
    },
    { number: "+6144449999", ...australia, state: "locked", locked_at: now, lock_remark: "forever" },
    { number: "+4420700001", ...britain, state: "cooldown", cooldown_until: inDays(10) },
    { number: "+4420700002", ...britain, state: "deleted", deleted_reason: "faulty" },
    { number: "+4420700003", ...britain },
    { number: "+6561234567", ...atSite },
    { number: "+6599999999" },
  ]);
  // Pending as the API makes it: its transitions row and the marker, in one statement.
  await t.deps.db.transaction().execute((trx) =>
    insertPendingTransitions(trx, [
      {
        id: randomUUID(),
        number: "+4420700003",
        request: { action: "reserve" },
        actor: "test",
        requestedAt: now,
      },
    ]),
  );
});
afterAll(async () => t?.close());

const ALL = [
  "+4420700001",
  "+4420700002",
  "+4420700003",
  "+6144441234",
  "+6144445555",
  "+6144449999",
  "+6561230001",
  "+6561230002",
  "+6561234567",
  "+6561239993",
  "+6588884567",
  "+6599999999",
];
const except = (...excluded: string[]) => ALL.filter((number) => !excluded.includes(number));

describe("every filter alone", () => {
  const cases: [string, () => string, string[]][] = [
    ["no filter", () => "", ALL],
    ["state", () => "state=available", ["+4420700003", "+6561230001", "+6561234567", "+6599999999"]],
    ["status=pending", () => "status=pending", ["+4420700003"]],
    ["status=<state>", () => "status=available", ["+6561230001", "+6561234567", "+6599999999"]],
    ["q digits: anywhere", () => "q=6123", ["+6561230001", "+6561230002", "+6561234567", "+6561239993"]],
    ["q +prefix", () => "q=%2B6144", ["+6144441234", "+6144445555", "+6144449999"]],
    ["q prefix*", () => "q=6144*", ["+6144441234", "+6144445555", "+6144449999"]],
    ["q +prefix*", () => "q=%2B6144*", ["+6144441234", "+6144445555", "+6144449999"]],
    ["q unencoded + (arrives as a space)", () => "q=+6144", ["+6144441234", "+6144445555", "+6144449999"]],
    ["q prefix ending in 9s", () => "q=%2B65999*", ["+6599999999"]],
    ["q *suffix", () => "q=*4567", ["+6561234567", "+6588884567"]],
    ["sku", () => "sku=DID-AU", ["+6144441234", "+6144445555", "+6144449999"]],
    ["vendor", () => "vendor=bt", ["+4420700001", "+4420700002", "+4420700003"]],
    ["country (any case)", () => "country=au", ["+6144441234", "+6144445555", "+6144449999"]],
    ["capability", () => "capability=fax", ["+6144445555"]],
    ["routing (exact, with a comma)", () => "routing=sip%3Aa%2Cb", ["+6561230001"]],
    ["golden=true", () => "golden=true", ["+6561230001"]],
    ["golden=false", () => "golden=false", except("+6561230001")],
    ["portedIn", () => "portedIn=true", ["+6144445555"]],
    ["visibleToDomain", () => "visibleToDomain=a.example", ["+6561230001"]],
    ["subscriptionId", () => "subscriptionId=sub-1", ["+6144445555"]],
    ["ownerId", () => `ownerId=${ids.occupier}`, ["+6144445555", "+6561230002"]],
    [
      "partnerId",
      () => `partnerId=${ids.partner}`,
      ["+6561230001", "+6561230002", "+6561234567", "+6561239993"],
    ],
    ["siteId", () => `siteId=${ids.site}`, ["+6561230001", "+6561230002", "+6561234567", "+6561239993"]],
    ["rangeName", () => "rangeName=R1", ["+6561230001"]],
    ["mainNumber", () => "mainNumber=true", ["+6561239993"]],
    ["allocation=unallocated", () => "allocation=unallocated", ["+6561230001", "+6561234567"]],
    ["allocation=operator", () => "allocation=operator", ["+6561239993"]],
    ["allocation=occupier", () => "allocation=occupier", ["+6561230002"]],
    ["allocation=<organisation>", () => `allocation=${ids.occupier}`, ["+6561230002"]],
    ["endUser=assigned", () => "endUser=assigned", ["+6144445555"]],
    ["endUser=unassigned", () => "endUser=unassigned", except("+6144445555")],
    ["reservationKind", () => "reservationKind=allocation", ["+6561230002", "+6561239993"]],
    ["expiresBefore (lock)", () => "expiresBefore=2026-03-05T09:00:00Z", ["+6144441234"]],
    [
      "expiresBefore (lock and reservation)",
      () => "expiresBefore=2026-03-07T09:00:00.000Z",
      ["+6144441234", "+6588884567"],
    ],
  ];
  it.each(cases)("%s", async (_name, query, expected) => {
    expect(await listAll(t.app, query())).toEqual(expected);
  });
});

describe("filters combined", () => {
  const cases: [() => string, string[]][] = [
    [() => `state=reserved&siteId=${ids.site}`, ["+6561230002", "+6561239993"]],
    [() => "country=AU&state=locked&q=*1234", ["+6144441234"]],
    [() => "vendor=telstra&state=locked", ["+6144441234", "+6144449999"]],
    [() => `partnerId=${ids.partner}&allocation=unallocated&q=%2B6561*`, ["+6561230001", "+6561234567"]],
    [() => "golden=true&state=reserved", []],
    [() => `ownerId=${ids.occupier}&endUser=unassigned&reservationKind=allocation`, ["+6561230002"]],
  ];
  it.each(cases)("%s", async (query, expected) => {
    expect(await listAll(t.app, query())).toEqual(expected);
  });
});

describe("scope", () => {
  it("shows a customer only its own numbers, whatever it filters on", async () => {
    const key = await createKey(t.app, "customer_admin", ids.occupier);
    expect(await listAll(t.app, "", key)).toEqual(["+6144445555", "+6561230002"]);
    expect(await listAll(t.app, `ownerId=${ids.stranger}`, key)).toEqual([]);
    expect(await listAll(t.app, "q=8888", key)).toEqual([]);
    const viewer = await createKey(t.app, "viewer", ids.stranger);
    expect(await listAll(t.app, "", viewer)).toEqual(["+6588884567"]);
  });

  it("shows a partner its inventory and its customers' numbers", async () => {
    const key = await createKey(t.app, "partner_admin", ids.partner);
    expect(await listAll(t.app, "", key)).toEqual([
      "+6144445555",
      "+6561230001",
      "+6561230002",
      "+6561234567",
      "+6561239993",
    ]);
  });
});

describe("bad input answers 400 naming the field", () => {
  const cases: [string, string][] = [
    ["q=abc", "q"],
    ["q=6*5", "q"],
    ["q=**65", "q"],
    ["q=%2B", "q"],
    ["q=*", "q"],
    ["q=65**", "q"],
    ["q=", "q"],
    ["q=%2B65-12", "q"],
    ["golden=yes", "golden"],
    ["portedIn=1", "portedIn"],
    ["ownerId=not-a-uuid", "ownerId"],
    ["siteId=42", "siteId"],
    ["expiresBefore=tomorrow", "expiresBefore"],
    ["state=sleeping", "state"],
    ["status=busy", "status"],
    ["capability=video", "capability"],
    ["allocation=somewhere", "allocation"],
    ["endUser=maybe", "endUser"],
    ["reservationKind=forever", "reservationKind"],
    ["country=SGP", "country"],
    ["sort=colour", "sort"],
    ["sort=--number", "sort"],
    ["sort=capabilities", "sort"],
    ["limit=0", "limit"],
    ["limit=1001", "limit"],
    ["limit=ten", "limit"],
  ];
  it.each(cases)("%s", async (query, field) => {
    const response = await call(t.app, "GET", `/v1/numbers?${query}`);
    expect(response.status, response.text).toBe(400);
    expect(response.body.error.code).toBe("validation_failed");
    expect(response.body.error.details).toContainEqual(
      expect.objectContaining({ field: `querystring.${field}` }),
    );
  });

  it("refuses a parameter it does not know, rather than ignoring a misspelt filter", async () => {
    const response = await call(t.app, "GET", "/v1/numbers?stat=available");
    expect(response.status).toBe(400);
    expect(response.text).toContain("stat");
  });
});
