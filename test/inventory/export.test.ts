import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createKey, createOrganization } from "../support/api.js";
import { ADMIN_KEY, createTestContext, type TestContext } from "../support/context.js";
import { insertNumbers, pdfText } from "./fixtures.js";

let t: TestContext;
let customerKey: string;
const TRICKY_ROUTING = 'sip:desk,"front"\nline two';

beforeAll(async () => {
  // Its fixtures insert tens of thousands of rows at once: more than a busy machine does in the
  // default 30 s statement timeout.
  t = await createTestContext({ databaseStatementTimeoutMs: 300_000 });
  const customer = await createOrganization(t.app);
  const other = await createOrganization(t.app);
  customerKey = await createKey(t.app, "customer_admin", customer.id);
  const now = t.clock.now();
  await insertNumbers(t.deps, [
    { number: "+6570000001", routing: TRICKY_ROUTING, capabilities: ["voice", "sms"], golden: true },
    {
      number: "+6570000002",
      state: "reserved",
      owner_id: customer.id,
      reservation_kind: "manual",
      reserved_at: now,
      reservation_expires_at: new Date(now.getTime() + 28 * 86_400_000),
      range_name: "Range, with comma",
    },
    { number: "+6570000003", state: "locked", locked_at: now, lock_remark: 'the "RAN"', vendor: "bt" },
    { number: "+6570000004", state: "assigned", owner_id: other.id, subscription_id: "sub-9" },
  ]);
});
afterAll(async () => t?.close());

const OBJECT_FIELDS = ["pending", "reservation", "lock", "timerPolicy"];
/** A nested JSON number flattened the way the CSV names its columns ("reservation.kind"). */
function flatten(value: Record<string, unknown>, prefix = ""): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, field] of Object.entries(value)) {
    // Call configuration and the key's allowed actions are not part of the inventory's record.
    if (name === "settings" || name === "pinIsDefault" || name === "allowedActions") continue;
    if (field === null && OBJECT_FIELDS.includes(name)) continue;
    if (field && typeof field === "object" && !Array.isArray(field))
      Object.assign(flat, flatten(field as Record<string, unknown>, `${prefix}${name}.`));
    else if (Array.isArray(field)) flat[`${prefix}${name}`] = field.join("|");
    else flat[`${prefix}${name}`] = field === null ? "" : String(field);
  }
  return flat;
}

describe("CSV export", () => {
  it("streams the selection with the JSON field names as header and the same values", async () => {
    const response = await call(t.app, "GET", "/v1/numbers.csv");
    expect(response.status, response.text).toBe(200);
    expect(response.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(response.headers["content-disposition"]).toBe('attachment; filename="PhoneNumbers.csv"');
    const records = parse(response.text, { columns: true }) as Record<string, string>[];
    const json = (await call(t.app, "GET", "/v1/numbers")).body.items as Record<string, unknown>[];
    expect(records.map((record) => record.number)).toEqual(json.map((item) => item.number));
    for (const [index, item] of json.entries()) {
      const expected = flatten(item);
      // Objects that are null in JSON (no reservation, no lock) appear as empty columns.
      const record = Object.fromEntries(
        Object.entries(records[index]!).filter(([name, value]) => name in expected || value !== ""),
      );
      expect(record).toEqual(expected);
    }
    expect(Object.keys(records[0]!)).toEqual(
      expect.arrayContaining([
        "number",
        "state",
        "status",
        "reservation.expiresAt",
        "lock.remark",
        "capabilities",
      ]),
    );
  });

  it("quotes commas, quotes and line breaks as RFC 4180 says", async () => {
    const response = await call(t.app, "GET", "/v1/numbers.csv?golden=true");
    expect(response.text).toContain('"sip:desk,""front""\nline two"');
    const [record] = parse(response.text, { columns: true }) as Record<string, string>[];
    expect(record!.routing).toBe(TRICKY_ROUTING);
    expect(record!.capabilities).toBe("voice|sms");
    const locked = parse((await call(t.app, "GET", "/v1/numbers.csv?state=locked")).text, {
      columns: true,
    }) as Record<string, string>[];
    expect(locked.map((row) => row["lock.remark"])).toEqual(['the "RAN"']);
  });

  it("applies filters and sort, and the key's scope", async () => {
    const sorted = await call(t.app, "GET", "/v1/numbers.csv?sort=-number&q=%2B6570*");
    expect((parse(sorted.text, { columns: true }) as { number: string }[]).map((row) => row.number)).toEqual([
      "+6570000004",
      "+6570000003",
      "+6570000002",
      "+6570000001",
    ]);
    const scoped = await call(t.app, "GET", "/v1/numbers.csv", { key: customerKey });
    const rows = parse(scoped.text, { columns: true }) as { number: string; "range.name": string }[];
    expect(rows.map((row) => row.number)).toEqual(["+6570000002"]);
    const empty = await call(t.app, "GET", "/v1/numbers.csv?vendor=nobody");
    expect(empty.text.split("\n")[0]).toMatch(/^number,state,status,/);
    expect(parse(empty.text, { columns: true })).toEqual([]);
  });

  it("answers a bad filter with the JSON error, not a file", async () => {
    const response = await call(t.app, "GET", "/v1/numbers.csv?q=abc");
    expect(response.status).toBe(400);
    expect(response.body.error.details).toContainEqual(expect.objectContaining({ field: "querystring.q" }));
    expect((await call(t.app, "GET", "/v1/numbers.csv", { key: null })).status).toBe(401);
  });

  it("releases its database connection when the client goes away mid-download", async () => {
    // About 30 MB of CSV: far more than the socket buffers between Postgres, us and the client.
    await sql`INSERT INTO numbers (number, state, vendor, country, sku, end_user_id)
      SELECT '+659' || lpad(i::text, 7, '0'), 'available', 'bulk', 'SG', 'DID-SG', repeat('x', 400)
      FROM generate_series(1, 60000) AS i`.execute(t.deps.db);

    await t.app.listen({ port: 0, host: "127.0.0.1" });
    const { port } = t.app.server.address() as AddressInfo;
    const copying = async () =>
      Number(
        (
          await sql<{ count: string }>`SELECT count(*) AS count FROM pg_stat_activity
            WHERE datname = current_database() AND query LIKE 'COPY (%' AND pid <> pg_backend_pid()`.execute(
            t.deps.db,
          )
        ).rows[0]!.count,
      );

    await new Promise<void>((resolve, reject) => {
      const req = request(
        { port, path: "/v1/numbers.csv?vendor=bulk", headers: { authorization: `Bearer ${ADMIN_KEY}` } },
        (res) => {
          res.once("data", async () => {
            res.pause(); // a slow reader: Postgres is held back by backpressure, not buffered in memory
            try {
              await expect.poll(copying, { timeout: 5_000 }).toBe(1);
              req.destroy();
              resolve();
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on("error", () => {});
      req.end();
    });
    await expect.poll(copying, { timeout: 10_000, interval: 100 }).toBe(0);

    await expect.poll(() => t.deps.pool.totalCount - t.deps.pool.idleCount, { timeout: 5_000 }).toBe(0);
    expect((await call(t.app, "GET", "/v1/numbers?vendor=bulk&limit=1")).status).toBe(200);
  });
});

describe("PDF export", () => {
  it("is a PDF table with the filters, the time made and page numbers", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: "/v1/numbers.pdf?q=%2B6570*&sort=-number",
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers["content-type"]).toBe("application/pdf");
    expect(response.headers["content-disposition"]).toBe('attachment; filename="PhoneNumbers.pdf"');
    expect(response.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
    const text = pdfText(response.rawPayload);
    expect(text).toEqual(
      expect.arrayContaining(["Phone numbers", "Page 1", "Made 2026-03-01T09:00:00.000Z"]),
    );
    expect(text.some((line) => line.includes("q=+6570*"))).toBe(true);
    expect(text).toEqual(expect.arrayContaining(["+6570000001", "+6570000004", "locked", "bt"]));
    const numbers = text.filter((line) => /^\+\d+$/.test(line));
    expect(numbers).toEqual(["+6570000004", "+6570000003", "+6570000002", "+6570000001"]);
  });

  it("shows a customer only its own numbers", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: "/v1/numbers.pdf",
      headers: { authorization: `Bearer ${customerKey}` },
    });
    expect(response.statusCode).toBe(200);
    expect(pdfText(response.rawPayload).filter((line) => /^\+\d+$/.test(line))).toEqual(["+6570000002"]);
  });

  it("runs to many pages, numbered", async () => {
    const response = await t.app.inject({
      method: "GET",
      url: "/v1/numbers.pdf?vendor=bulk&q=%2B6590001*",
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(response.statusCode).toBe(200);
    const text = pdfText(response.rawPayload);
    expect(text.filter((line) => /^\+\d+$/.test(line))).toHaveLength(1000);
    expect(text).toEqual(expect.arrayContaining(["Page 1", "Page 25"]));
  });

  it("answers a bad filter with the JSON error", async () => {
    expect((await call(t.app, "GET", "/v1/numbers.pdf?golden=perhaps")).status).toBe(400);
  });
});
