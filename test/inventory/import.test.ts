import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runImport } from "../../src/cli-import.js";
import { importNumbersFile } from "../../src/services/import-numbers.js";
import { call, createOrganization, getNumber } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";
import { runCli } from "../support/processes.js";
import { createSite, insertNumbers } from "./fixtures.js";

let t: TestContext;
let dir: string;
let partnerId: string;
let siteId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "numbers-import-"));
  t = await createTestContext({ dataDir: dir });
  partnerId = (await createOrganization(t.app, { kind: "partner" })).id;
  siteId = await createSite(t.deps, partnerId);
  await insertNumbers(t.deps, [{ number: "+6568000099" }]);
});
afterAll(async () => t?.close());

async function csvFile(name: string, lines: string[]) {
  const file = join(dir, name);
  await writeFile(file, `${lines.join("\n")}\n`);
  return file;
}
const options = (file: string) => ({ file, actor: "import:numbers.csv", rejectsFile: `${file}.rejects.csv` });
const readRejects = async (path: string | null) =>
  parse(await readFile(path!, "utf8"), { columns: true }) as {
    row: string;
    number: string;
    code: string;
    message: string;
  }[];

describe("CSV import", () => {
  const header =
    "number,vendor,country,sku,capabilities,routing,golden,state,lockExpiresAt,remark,partnerId,siteId";
  const lines = () => [
    header,
    "+6568000001,acme,SG,DID-SG,,,,,,,,", // row 2: defaults
    "+65 6800 0002,acme,sg,DID-SG,voice|sms,,yes,,,,,", // 3: normalised, lower-case country
    `6568000003,acme,SG,DID-SG,"voice,fax","sip:desk,""front""\nline two",false,,,,,`, // 4
    "+6568000004,acme,SG,DID-SG,,,,locked,2026-04-01T00:00:00Z,voicemail,,", // 5: locked until
    "+6568000005,acme,SG,DID-SG,,,,locked,,ran,,", // 6: locked for good
    "12ab,acme,SG,DID-SG,,,,,,,,", // 7: malformed_number
    "+6568000007,,SG,DID-SG,,,,,,,,", // 8: no vendor
    "+6568000008,acme,Singapore,DID-SG,,,,,,,,", // 9: bad country
    "+6568000009,acme,SG,DID-SG,,,perhaps,,,,,", // 10: bad boolean
    "+6568000010,acme,SG,DID-SG,video,,,,,,,", // 11: bad capability
    "+6568000011,acme,SG,DID-SG,,,,available,2026-04-01T00:00:00Z,,,", // 12: expiry without lock
    "6568000001,acme,SG,DID-SG,,,,,,,,", // 13: duplicate of row 2
    "+6568000099,acme,SG,DID-SG,,,,,,,,", // 14: already in inventory
    `+6568000014,acme,SG,DID-SG,,,,,,,${randomUUID()},`, // 15: unknown partner
    `+6568000015,acme,SG,DID-SG,,,,,,,,${randomUUID()}`, // 16: unknown site
    "+6568000016,acme,SG,DID-SG,,,,,,,,,,,", // 17: too many cells
    `+6568000017,acme,SG,DID-SG,,,,,,,,${siteId}`, // 18: at a site: the operator's inventory
  ];
  let file: string;

  it("adds the good rows, reports every bad one, and never stops for one", async () => {
    file = await csvFile("numbers.csv", lines());
    const summary = await importNumbersFile(t.deps, { ...options(file), batchSize: 4 });
    expect(summary).toMatchObject({
      rows: 17,
      added: 6,
      alreadyPresent: 1,
      refused: {
        malformed_number: 1,
        validation_failed: 6,
        duplicate_in_file: 1,
        unknown_organization: 1,
        malformed_row: 1,
      },
      rejectsFile: `${file}.rejects.csv`,
      ignoredColumns: [],
    });
    const rejects = await readRejects(summary.rejectsFile);
    expect(rejects.map((reject) => [reject.row, reject.code])).toEqual([
      ["7", "malformed_number"],
      ["8", "validation_failed"],
      ["9", "validation_failed"],
      ["10", "validation_failed"],
      ["11", "validation_failed"],
      ["12", "validation_failed"],
      ["13", "duplicate_in_file"],
      ["14", "already_exists"],
      ["15", "unknown_organization"],
      ["16", "validation_failed"],
      ["17", "malformed_row"],
    ]);
    expect(rejects.find((reject) => reject.row === "13")).toMatchObject({
      number: "+6568000001",
      message: "Same number as row 2.",
    });
    expect(rejects.find((reject) => reject.row === "10")!.message).toContain("golden");
  });

  it("stores each row as POST /v1/numbers would, with an add in its history", async () => {
    const normalised = (await getNumber(t.app, "+6568000002")).body;
    expect(normalised).toMatchObject({ country: "SG", golden: true, capabilities: ["voice", "sms"] });
    const quoted = (await getNumber(t.app, "+6568000003")).body;
    expect(quoted).toMatchObject({ capabilities: ["voice", "fax"], routing: 'sip:desk,"front"\nline two' });
    expect((await getNumber(t.app, "+6568000004")).body.lock).toEqual({
      lockedAt: "2026-03-01T09:00:00.000Z",
      expiresAt: "2026-04-01T00:00:00.000Z",
      remark: "voicemail",
    });
    expect((await getNumber(t.app, "+6568000005")).body.lock).toMatchObject({
      expiresAt: null,
      remark: "ran",
    });
    expect((await getNumber(t.app, "+6568000017")).body).toMatchObject({ siteId, partnerId });
    const history = await call(t.app, "GET", "/v1/numbers/%2B6568000005/history");
    expect(history.body.items).toEqual([
      expect.objectContaining({
        action: "add",
        actor: "import:numbers.csv",
        remark: "ran",
        before: null,
        after: expect.objectContaining({ state: "locked", lockExpiresAt: null }),
      }),
    ]);
  });

  it("adds nothing the second time", async () => {
    const again = await importNumbersFile(t.deps, { ...options(file), batchSize: 3 });
    expect(again).toMatchObject({ rows: 17, added: 0, alreadyPresent: 7 });
    expect(again.refused.duplicate_in_file).toBe(1);
    const history = await call(t.app, "GET", "/v1/numbers/%2B6568000001/history");
    expect(history.body.items).toHaveLength(1);
  });

  it("reads back its own CSV export", async () => {
    const exported = await call(t.app, "GET", "/v1/numbers.csv?q=%2B6568*");
    const copy = join(dir, "exported.csv");
    await writeFile(copy, exported.text);
    const summary = await importNumbersFile(t.deps, options(copy));
    expect(summary).toMatchObject({ rows: 7, added: 0, alreadyPresent: 7, refused: {} });
    expect(summary.ignoredColumns).toEqual(expect.arrayContaining(["status", "ownerId", "createdAt"]));
  });

  it("isolates a row the database refuses for a reason no check foresaw", async () => {
    // Stands in for any constraint the row checks do not know about.
    await sql`CREATE FUNCTION refuse_unlucky() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.number = '+6568200013' THEN
          RAISE EXCEPTION 'unlucky number' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`.execute(t.deps.db);
    await sql`CREATE TRIGGER refuse_unlucky BEFORE INSERT ON numbers
      FOR EACH ROW EXECUTE FUNCTION refuse_unlucky()`.execute(t.deps.db);
    try {
      const file = await csvFile("unlucky.csv", [
        "number,vendor,country,sku",
        ...[11, 12, 13, 14].map((suffix) => `+65682000${suffix},acme,SG,DID-SG`),
      ]);
      const summary = await importNumbersFile(t.deps, options(file));
      expect(summary).toMatchObject({ rows: 4, added: 3, refused: { refused_by_database: 1 } });
      expect(await readRejects(summary.rejectsFile)).toEqual([
        { row: "4", number: "+6568200013", code: "refused_by_database", message: "unlucky number" },
      ]);
    } finally {
      await sql`DROP TRIGGER refuse_unlucky ON numbers`.execute(t.deps.db);
    }
  });

  it("refuses a file whose header names no number field", async () => {
    const bad = await csvFile("bad-header.csv", ["number,vendr,country,sku", "+6568100001,acme,SG,DID"]);
    // By position: an error never repeats what the file says.
    const refused = importNumbersFile(t.deps, options(bad));
    await expect(refused).rejects.toThrow(/column 2 is not one/);
    await expect(refused).rejects.not.toThrow(/vendr/);
    const empty = await csvFile("empty.csv", []);
    await expect(importNumbersFile(t.deps, options(empty))).rejects.toThrow(/empty/);
  });
});

describe("as a job", () => {
  const rows = (prefix: string) => [
    "number,vendor,country,sku",
    ...Array.from({ length: 30 }, (_, index) => `${prefix}${String(index).padStart(2, "0")},acme,SG,DID-SG`),
  ];

  it("runs in the CLI's process when no worker takes it", async () => {
    const file = await csvFile("alone.csv", rows("+65681001"));
    const seen: number[] = [];
    const summary = await runImport(t.deps, options(file), (progress) => seen.push(progress.rows), 200);
    expect(summary).toMatchObject({ rows: 30, added: 30, rejectsFile: null });
    expect(seen.at(-1)).toBe(30);
  });

  it("is run by a worker when one is running, with progress and summary passed back", async () => {
    const worker = await t.startWorker();
    try {
      const file = await csvFile("queued.csv", rows("+65681002"));
      const summary = await runImport(t.deps, options(file), () => {}, 10_000);
      expect(summary).toMatchObject({ rows: 30, added: 30 });
      const claims = await t.deps.redis.keys(`${t.deps.queuePrefix}:imports:claim:*`);
      const claimants = await Promise.all(claims.map((key) => t.deps.redis.get(key)));
      expect(claimants).toContain(`worker:${process.pid}`);
    } finally {
      await worker.close();
    }
  });

  it("works from the command line: npx numbers import FILE.csv", async () => {
    const file = await csvFile("cli.csv", [...rows("+65681003"), "nonsense,acme,SG,DID-SG"]);
    const { code, stdout, output } = await runCli(t, ["import", file, "--json"], { NUMBERS_DATA_DIR: dir });
    expect(code, output).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({
      rows: 31,
      added: 30,
      refused: { malformed_number: 1 },
      rejectsFile: `${file}.rejects.csv`,
    });
    expect((await call(t.app, "GET", "/v1/numbers?q=%2B65681003*&limit=1000")).body.items).toHaveLength(30);
  });
});
