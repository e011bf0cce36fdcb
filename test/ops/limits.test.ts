import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNumber, call } from "../support/api.js";
import { ADMIN_KEY, createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
beforeAll(async () => {
  // Two connections for the API: a download holding either would starve it.
  // (A long statement timeout: the fixtures insert tens of thousands of rows at once.)
  t = await createTestContext({
    exportConcurrency: 2,
    databasePoolSize: 2,
    databaseStatementTimeoutMs: 300_000,
  });
});
afterAll(async () => t?.close());

const historyPath = (number: string, query = "") =>
  `/v1/numbers/${encodeURIComponent(number)}/history${query}`;

describe("history is read a page at a time", () => {
  it("pages oldest first with limit and cursor, 100 by default", async () => {
    const number = await addNumber({}, t.app);
    // Nobody's but the platform's (an empty audience): the admin key reads them all.
    await sql`INSERT INTO number_history (number, at, action, actor, after, visible_to)
      SELECT ${number}, now() + make_interval(secs => i), 'note', 'system', jsonb_build_object('i', i), '{}'
      FROM generate_series(1, 249) AS i`.execute(t.deps.db);

    const first = await call(t.app, "GET", historyPath(number));
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(100);
    expect(first.body.items[0].action).toBe("add");
    expect(first.body.nextCursor).toEqual(expect.any(String));

    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await call(
        t.app,
        "GET",
        historyPath(number, `?limit=60${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item: { after: { i?: number } }) => item.after.i ?? 0));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i));

    const all = await call(t.app, "GET", historyPath(number, "?limit=1000"));
    expect(all.body).toMatchObject({ nextCursor: null });
    expect(all.body.items).toHaveLength(250);
  });

  it("refuses a page too large, and a cursor of another number or made up", async () => {
    const number = await addNumber({}, t.app);
    const other = await addNumber({}, t.app);
    await sql`INSERT INTO number_history (number, at, action, actor, after, visible_to)
      SELECT n, now(), 'note', 'system', '{}', '{}' FROM unnest(${[number, number, other, other]}::text[]) AS n`.execute(
      t.deps.db,
    );
    expect((await call(t.app, "GET", historyPath(number, "?limit=1001"))).status).toBe(400);
    const { nextCursor } = (await call(t.app, "GET", historyPath(number, "?limit=1"))).body;
    for (const query of [
      `?cursor=${encodeURIComponent(nextCursor)}&limit=1`,
      `?cursor=${Buffer.from("99999").toString("base64url")}.AAAA`,
    ]) {
      const response = await call(t.app, "GET", historyPath(other, query));
      expect(response.status, query).toBe(400);
      expect(response.body.error.details).toEqual([expect.objectContaining({ field: "cursor" })]);
    }
  });
});

describe("downloads", () => {
  it("run at most EXPORT_CONCURRENCY at once, on connections of their own: the API keeps answering", {
    timeout: 60_000,
  }, async () => {
    // About 30 MB of CSV: far more than the socket buffers, so a client that does not read holds its download.
    await sql`INSERT INTO numbers (number, state, vendor, country, sku, end_user_id)
      SELECT '+659' || lpad(i::text, 7, '0'), 'available', 'bulk', 'SG', 'DID-SG', repeat('x', 400)
      FROM generate_series(1, 60000) AS i`.execute(t.deps.db);
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = t.app.server.address() as AddressInfo;

    /** A download whose client reads the first bytes and then stops reading. */
    const stalled = () =>
      new Promise<() => void>((resolve, reject) => {
        const req = request(
          {
            port,
            host: "127.0.0.1",
            path: "/v1/numbers.csv",
            headers: { authorization: `Bearer ${ADMIN_KEY}` },
          },
          (response) => {
            expect(response.statusCode).toBe(200);
            response.once("data", () => {
              response.pause();
              resolve(() => req.destroy());
            });
          },
        );
        req.on("error", (error) => (error.message.includes("socket hang up") ? undefined : reject(error)));
        req.end();
      });
    const stops = [await stalled(), await stalled()];
    try {
      const third = await call(t.app, "GET", "/v1/numbers.csv?vendor=bulk");
      expect(third.status).toBe(429);
      expect(third.body.error).toMatchObject({
        code: "too_many_requests",
        message: expect.stringMatching(/^2 downloads are already running/),
      });
      expect(third.headers["retry-after"]).toBe("10");
      // Both downloads hold their connections, yet the API's own two are free.
      for (let i = 0; i < 5; i++) expect((await call(t.app, "GET", "/v1/numbers?limit=1")).status).toBe(200);
    } finally {
      for (const stop of stops) stop();
    }
    await expect
      .poll(async () => (await call(t.app, "GET", "/v1/numbers.pdf?vendor=nobody")).status, {
        timeout: 10_000,
      })
      .toBe(200);
    for (let i = 0; i < 3; i++)
      expect((await call(t.app, "GET", "/v1/numbers.csv?vendor=nobody")).status).toBe(200);
  });
});
