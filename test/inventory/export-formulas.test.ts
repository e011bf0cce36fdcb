import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importNumbersFile } from "../../src/services/import-numbers.js";
import { FORMULA_START_SQL, spreadsheetSafe } from "../../src/spreadsheet-cells.js";
import { call, createOrganization } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { insertNumbers } from "./fixtures.js";

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
  const now = t.clock.now();
  const partner = await createOrganization(t.app, {
    kind: "partner",
    name: '=HYPERLINK("http://evil.example")',
  });
  await insertNumbers(t.deps, [
    {
      number: "+6571000001",
      vendor: '=HYPERLINK("http://evil.example","click")',
      sku: "@SUM(A1:A9)",
      routing: "-2+3+cmd|' /C calc'!A0",
      range_name: "+cmd",
      extension: "+65",
      visible_to_domain: "-",
      subscription_id: "\tsub",
      end_user_id: "\rme",
    },
    {
      number: "+6571000002",
      state: "locked",
      locked_at: now,
      lock_remark: "=1+1",
      vendor: "acme",
      sku: "-5",
      routing: "+6561234567",
      partner_id: partner.id,
    },
  ]);
});
afterAll(async () => t?.close());

const records = (text: string) => parse(text, { columns: true }) as Record<string, string>[];

describe("CSV downloads never hand a spreadsheet a formula", () => {
  it("writes a cell that looks like one with a leading ' and leaves numbers alone", async () => {
    const response = await call(t.app, "GET", "/v1/numbers.csv?q=%2B6571*");
    expect(response.status).toBe(200);
    const [first, second] = records(response.text);
    expect(first).toMatchObject({
      number: "+6571000001",
      vendor: `'=HYPERLINK("http://evil.example","click")`,
      sku: "'@SUM(A1:A9)",
      routing: "-2+3+cmd|' /C calc'!A0", // "-" then a digit: a number, as the contract says
      rangeName: "'+cmd",
      extension: "+65",
      visibleToDomain: "'-",
      subscriptionId: "'\tsub",
      endUserId: "'\rme",
    });
    expect(second).toMatchObject({
      number: "+6571000002",
      "lock.remark": "'=1+1",
      partnerName: `'=HYPERLINK("http://evil.example")`,
      sku: "-5",
      routing: "+6561234567",
    });
  });

  it("applies one rule in SQL and in JavaScript", async () => {
    const formulas = ["=a", "@a", "\ta", "\ra", "+a", "-a", "+", "-"];
    const text = ["+1", "-1", "a=b", "", "'=a", "\na", " =a"];
    const { rows } = await sql<{ cell: string; guarded: boolean }>`
      SELECT cell, cell ~ ${FORMULA_START_SQL} AS guarded
      FROM unnest(${[...formulas, ...text]}::text[]) AS cell`.execute(t.deps.db);
    for (const { cell, guarded } of rows)
      expect(guarded, JSON.stringify(cell)).toBe(spreadsheetSafe(cell) !== cell);
    expect(rows.filter((row) => row.guarded).map((row) => row.cell)).toEqual(formulas);
  });

  it("reads a guarded cell back as it was when the download is imported", async () => {
    const dir = await mkdtemp(join(tmpdir(), "numbers-formulas-"));
    const text = (await call(t.app, "GET", "/v1/numbers.csv?q=%2B6571000001")).text.replace(
      "+6571000001",
      "+6571000009",
    );
    const file = join(dir, "again.csv");
    await writeFile(file, text);
    const summary = await importNumbersFile(t.deps, {
      file,
      actor: "import:again.csv",
      rejectsFile: `${file}.rejects.csv`,
    });
    expect(summary).toMatchObject({ added: 1, refused: {} });
    const copy = (await call(t.app, "GET", "/v1/numbers/%2B6571000009")).body;
    expect(copy).toMatchObject({
      vendor: '=HYPERLINK("http://evil.example","click")',
      sku: "@SUM(A1:A9)",
      rangeName: "+cmd",
    });
  });
});
