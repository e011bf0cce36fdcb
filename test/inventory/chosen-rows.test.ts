import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, createKey, createOrganization } from "../support/api.js";
import { ADMIN_KEY, createTestContext, type TestContext } from "../support/context.js";
import { insertNumbers, pdfText } from "./fixtures.js";

let t: TestContext;
let customerKey: string;
beforeAll(async () => {
  t = await createTestContext();
  const customer = await createOrganization(t.app, { name: "Acme Pte Ltd" });
  customerKey = await createKey(t.app, "customer_admin", customer.id);
  const now = t.clock.now();
  await insertNumbers(t.deps, [
    { number: "+6571000001" },
    { number: "+6571000002", state: "locked", locked_at: now },
    {
      number: "+6571000003",
      state: "reserved",
      owner_id: customer.id,
      reservation_kind: "manual",
      reserved_at: now,
    },
    { number: "+6571000004" },
  ]);
});
afterAll(async () => t?.close());

const csvNumbers = async (query: string, key?: string) => {
  const response = await call(t.app, "GET", `/v1/numbers.csv?${query}`, { key });
  expect(response.status, response.text).toBe(200);
  return (parse(response.text, { columns: true }) as { number: string }[]).map((row) => row.number);
};

describe("downloading the rows a person ticked (numbers=)", () => {
  it("downloads only the chosen numbers, however they are written", async () => {
    expect(await csvNumbers("numbers=%2B6571000003,%2B6571000001")).toEqual(["+6571000001", "+6571000003"]);
    // An unencoded "+" arrives as a space; "+" may be left out; the parameter may repeat.
    expect(await csvNumbers("numbers=+6571000002,6571000004")).toEqual(["+6571000002", "+6571000004"]);
    expect(await csvNumbers("numbers=6571000004&numbers=6571000001&sort=-number")).toEqual([
      "+6571000004",
      "+6571000001",
    ]);
  });

  it("ANDs them with the other filters and leaves out numbers outside the key's scope", async () => {
    expect(await csvNumbers("numbers=6571000001,6571000002&state=locked")).toEqual(["+6571000002"]);
    expect(await csvNumbers("numbers=6571000001,6571000003", customerKey)).toEqual(["+6571000003"]);
  });

  it("offers the files as PhoneNumbers.csv and PhoneNumbers.pdf, the PDF with the chosen rows", async () => {
    const csv = await call(t.app, "GET", "/v1/numbers.csv?numbers=6571000001");
    expect(csv.headers["content-disposition"]).toBe('attachment; filename="PhoneNumbers.csv"');
    const pdf = await t.app.inject({
      method: "GET",
      url: "/v1/numbers.pdf?numbers=6571000001,6571000003",
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers["content-disposition"]).toBe('attachment; filename="PhoneNumbers.pdf"');
    const drawn = pdfText(pdf.rawPayload);
    for (const shown of ["+6571000001", "+6571000003", "Acme Pte Ltd", "Company", "Provider"])
      expect(drawn, shown).toContain(shown);
    expect(drawn.some((line) => line.includes("numbers=2 chosen"))).toBe(true);
    expect(drawn).not.toContain("+6571000002");
  });

  it("refuses more than 1,000 numbers, and names every malformed one, for both downloads", async () => {
    const many = Array.from({ length: 1001 }, (_, index) => `6572${String(index).padStart(6, "0")}`).join(
      ",",
    );
    for (const format of ["csv", "pdf"]) {
      const tooMany = await call(t.app, "GET", `/v1/numbers.${format}?numbers=${many}`);
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.error.details).toEqual([
        { field: "querystring.numbers", message: expect.stringContaining("1,000") },
      ]);
      const malformed = await call(t.app, "GET", `/v1/numbers.${format}?numbers=6571000001,abc,,12`);
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.code).toBe("validation_failed");
      expect(malformed.body.error.details.map((detail: { field: string }) => detail.field)).toEqual([
        "querystring.numbers.1",
        "querystring.numbers.2",
        "querystring.numbers.3",
      ]);
    }
    // Exactly 1,000 is fine.
    expect(
      (await call(t.app, "GET", `/v1/numbers.csv?numbers=${many.slice(0, many.lastIndexOf(","))}`)).status,
    ).toBe(200);
  });
});
