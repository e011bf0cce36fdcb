import { createHash, randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../src/api/app.js";
import { closeDependencies, createDependencies } from "../../src/bootstrap.js";
import { call, createOrganization } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { insertNumbers, listAll } from "./fixtures.js";

let t: TestContext;

interface Fixture {
  number: string;
  vendor: string;
  owner: string | null;
  golden: boolean;
  /** Microseconds after a base instant: several rows share one, and some differ below 1 ms. */
  updatedMicros: number;
  expiresDays: number | null;
}
const fixtures: Fixture[] = [];
const BASE = Date.parse("2026-02-01T00:00:00.000Z");
const micros = [0, 0, 0, 120, 450, 450, 1_000_000, 1_000_001, 2_000_000, 2_000_000, 5_000_123];

beforeAll(async () => {
  t = await createTestContext();
  const owners = [
    (await createOrganization(t.app)).id,
    (await createOrganization(t.app)).id,
    (await createOrganization(t.app)).id,
  ];
  for (let index = 0; index < 40; index++) {
    const owner = index % 4 === 3 ? null : owners[index % 3]!;
    fixtures.push({
      // Not generated in order, so every sort differs from number order.
      number: `+65620${String((index * 7919) % 100_000).padStart(5, "0")}`,
      vendor: ["acme", "bt", "zeta"][index % 3]!,
      owner,
      golden: index % 5 === 0,
      updatedMicros: micros[index % micros.length]!,
      expiresDays: owner && index % 2 === 0 ? (index % 6) + 1 : null,
    });
  }
  await insertNumbers(
    t.deps,
    fixtures.map((fixture) => ({
      number: fixture.number,
      vendor: fixture.vendor,
      golden: fixture.golden,
      owner_id: fixture.owner,
      state: fixture.owner ? "reserved" : "available",
      reservation_kind: fixture.owner ? "manual" : null,
      reserved_at: fixture.owner ? new Date(BASE) : null,
      reservation_expires_at:
        fixture.expiresDays === null ? null : new Date(BASE + fixture.expiresDays * 86_400_000),
    })),
  );
  for (const fixture of fixtures)
    await sql`UPDATE numbers SET updated_at = ${new Date(BASE).toISOString()}::timestamptz
      + make_interval(secs => ${fixture.updatedMicros}::double precision / 1000000)
      WHERE number = ${fixture.number}`.execute(t.deps.db);
});
afterAll(async () => t?.close());

type Key = string | number | boolean | null;
/** The contract's order: by the key (NULLs last), then by number; descending is the exact reverse. */
function expectedOrder(key: (fixture: Fixture) => Key, descending: boolean): string[] {
  const compare = (a: Fixture, b: Fixture) => {
    const [x, y] = [key(a), key(b)];
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      return x < y ? -1 : 1;
    }
    return a.number < b.number ? -1 : 1;
  };
  const ascending = [...fixtures].sort(compare).map((fixture) => fixture.number);
  return descending ? ascending.reverse() : ascending;
}

describe("sort", () => {
  const sorts: [string, (fixture: Fixture) => Key][] = [
    ["number", (fixture) => fixture.number],
    ["vendor", (fixture) => fixture.vendor],
    ["updatedAt", (fixture) => fixture.updatedMicros],
    ["ownerId", (fixture) => fixture.owner],
    ["golden", (fixture) => fixture.golden],
    ["reservation.expiresAt", (fixture) => fixture.expiresDays],
    ["state", (fixture) => (fixture.owner ? "reserved" : "available")],
  ];
  describe.each(sorts)("%s", (field, key) => {
    it.each([
      ["ascending", "", 1000],
      ["descending", "-", 1000],
      ["ascending, one row a page", "", 1],
      ["descending, seven rows a page", "-", 7],
    ] as const)("%s", async (_name, sign, limit) => {
      const listed = await listAll(t.app, `sort=${sign}${field}`, undefined, limit);
      expect(listed).toEqual(expectedOrder(key, sign === "-"));
    });
  });

  it("sorts within a filter", async () => {
    const listed = await listAll(t.app, "sort=-updatedAt&vendor=bt", undefined, 3);
    const expected = expectedOrder((fixture) => fixture.updatedMicros, true).filter(
      (number) => fixtures.find((fixture) => fixture.number === number)!.vendor === "bt",
    );
    expect(listed).toEqual(expected);
  });
});

describe("cursor walk while the inventory changes", () => {
  it("returns every unchanged row once, in order, with inserts and updates between pages", async () => {
    const seen: string[] = [];
    const changed = new Set<string>();
    let cursor: string | null = null;
    let page = 0;
    do {
      const url: string = `/v1/numbers?sort=updatedAt&limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const response = await call(t.app, "GET", url);
      expect(response.status, response.text).toBe(200);
      seen.push(...response.body.items.map((item: { number: string }) => item.number));
      cursor = response.body.nextCursor;
      page += 1;
      if (page > 30) throw new Error("the walk does not end");
      // Between pages: new rows behind and ahead of the cursor, and rows moved by an update.
      const ahead = `+6563${String(page).padStart(6, "0")}`;
      const behind = `+6564${String(page).padStart(6, "0")}`;
      await insertNumbers(t.deps, [
        { number: ahead, vendor: "acme" },
        { number: behind, vendor: "acme", updated_at: new Date(BASE - 86_400_000) },
      ]);
      changed.add(ahead).add(behind);
      const notYetSeen = fixtures.find(
        (fixture) => !seen.includes(fixture.number) && !changed.has(fixture.number),
      );
      const alreadySeen = fixtures.find(
        (fixture) => seen.includes(fixture.number) && !changed.has(fixture.number),
      );
      for (const fixture of [notYetSeen, alreadySeen].filter((value) => value !== undefined)) {
        changed.add(fixture.number);
        await sql`UPDATE numbers SET updated_at = now() + interval '1 day', version = version + 1
          WHERE number = ${fixture.number}`.execute(t.deps.db);
      }
    } while (cursor);

    const unchanged = expectedOrder((fixture) => fixture.updatedMicros, false).filter(
      (number) => !changed.has(number),
    );
    expect(seen.filter((number) => !changed.has(number))).toEqual(unchanged);
    expect(new Set(seen).size).toBeGreaterThanOrEqual(fixtures.length);
  });

  it("refuses a tampered cursor and a cursor from another query", async () => {
    const first = await call(t.app, "GET", "/v1/numbers?sort=vendor&limit=2");
    const cursor = first.body.nextCursor as string;
    const [payload, seal] = cursor.split(".");
    const forged = Buffer.from(JSON.stringify(["zzz", "+6500000000"])).toString("base64url");
    const refusals = [
      `sort=vendor&cursor=${forged}.${seal}`,
      `sort=vendor&cursor=${payload}.${seal!.replace(/^./, (c) => (c === "A" ? "B" : "A"))}`,
      `sort=vendor&cursor=${payload}`,
      "sort=vendor&cursor=not-a-cursor",
      `sort=-vendor&cursor=${encodeURIComponent(cursor)}`,
      `sort=vendor&golden=true&cursor=${encodeURIComponent(cursor)}`,
    ];
    for (const query of refusals) {
      const response = await call(t.app, "GET", `/v1/numbers?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.error.details).toEqual([expect.objectContaining({ field: "cursor" })]);
    }
    const otherLimit = await call(
      t.app,
      "GET",
      `/v1/numbers?sort=vendor&limit=5&cursor=${encodeURIComponent(cursor)}`,
    );
    expect(otherLimit.status).toBe(200);
    expect(otherLimit.body.items[0].number).toBe(expectedOrder((fixture) => fixture.vendor, false)[2]);
  });

  it("cannot be forged without the server's secret: a made-up sort key never reaches SQL", async () => {
    // A cursor anyone could seal, as an unkeyed hash over the payload and the query could be.
    const payload = Buffer.from(JSON.stringify(["not a time", "+6500000000"])).toString("base64url");
    const fingerprint = JSON.stringify({ sort: "updatedAt", filters: [] });
    const unkeyed = createHash("sha256").update(payload).update("\n").update(fingerprint).digest("base64url");
    for (const seal of [unkeyed.slice(0, 22), unkeyed]) {
      const response = await call(t.app, "GET", `/v1/numbers?sort=updatedAt&cursor=${payload}.${seal}`);
      expect(response.status, response.text).toBe(400);
      expect(response.body.error.details).toEqual([expect.objectContaining({ field: "cursor" })]);
    }
    const garbled = await call(
      t.app,
      "GET",
      `/v1/numbers?sort=updatedAt&cursor=${"x".repeat(60)}.%F0%9F%92%A5`,
    );
    expect(garbled.status).toBe(400);
  });

  it("is accepted by every API process of the deployment: the key is kept in Postgres", async () => {
    const first = await call(t.app, "GET", "/v1/numbers?sort=vendor&limit=2");
    const other = createDependencies(
      t.deps.config,
      { databaseUrl: t.databaseUrl, redisUrl: t.redisUrl },
      t.deps.log,
    );
    const otherApp = await buildApp(other);
    try {
      const next = await call(
        otherApp,
        "GET",
        `/v1/numbers?sort=vendor&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      );
      expect(next.status, next.text).toBe(200);
      expect(next.body.items[0].number).toBe(expectedOrder((fixture) => fixture.vendor, false)[2]);
    } finally {
      await otherApp.close();
      await closeDependencies(other);
    }
  });

  it("ends with a null cursor on the last page", async () => {
    const response = await call(t.app, "GET", `/v1/numbers?ownerId=${randomUUID()}`);
    expect(response.body).toEqual({ items: [], nextCursor: null });
  });
});
