import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runImport } from "../../src/cli-import.js";
import { importsFolder } from "../../src/services/import-job.js";
import { importNumbersFile } from "../../src/services/import-numbers.js";
import { MAX_IMPORT_RECORD_BYTES } from "../../src/services/import-rows.js";
import { getNumber } from "../support/api.js";
import { createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "numbers-import-limits-"));
  t = await createTestContext({ dataDir: dir });
});
afterAll(async () => t?.close());

async function csvFile(name: string, text: string) {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}
const options = (file: string) => ({ file, actor: "import:limits.csv", rejectsFile: `${file}.rejects.csv` });
const readRejects = async (path: string | null) =>
  parse(await readFile(path!, "utf8"), { columns: true }) as { row: string; code: string; message: string }[];
const header = "number,vendor,country,sku,routing\n";

describe("a CSV import refuses bad cells row by row", () => {
  it("refuses a row with a control character and imports the rest", async () => {
    const file = await csvFile(
      "control.csv",
      `${header}+6569000001,acme,SG,DID-SG,\n+6569000002,ac\u0000me,SG,DID-SG,\n+6569000003,acme,SG,DID-SG,sip\u0007desk\n+6569000004,acme,SG,DID-SG,"tab\there\r\nand a new line"\n`,
    );
    const summary = await importNumbersFile(t.deps, options(file));
    expect(summary).toMatchObject({ rows: 4, added: 2, refused: { control_character: 2 } });
    expect(await readRejects(summary.rejectsFile)).toEqual([
      {
        row: "3",
        number: "",
        code: "control_character",
        message: expect.stringMatching(/^Column 2 contains a control character \(U\+0000\)/),
      },
      {
        row: "4",
        number: "",
        code: "control_character",
        message: expect.stringMatching(/^Column 5 contains a control character \(U\+0007\)/),
      },
    ]);
    expect((await getNumber(t.app, "+6569000004")).body.routing).toBe("tab\there\r\nand a new line");
  });

  it("stops reading at a record longer than the limit (a quote never closed) and keeps what came before", async () => {
    const before = Array.from(
      { length: 300 },
      (_, i) => `+65691${String(i).padStart(5, "0")},acme,SG,DID-SG,`,
    );
    const after = Array.from(
      { length: 5000 },
      (_, i) => `+65692${String(i).padStart(5, "0")},acme,SG,DID-SG,x`,
    );
    const file = await csvFile(
      "unclosed.csv",
      `${header}${before.join("\n")}\n+6569300000,acme,SG,DID-SG,"never closed\n${after.join("\n")}\n`,
    );
    expect(after.join("\n").length).toBeGreaterThan(MAX_IMPORT_RECORD_BYTES);
    const summary = await importNumbersFile(t.deps, options(file));
    expect(summary).toMatchObject({ added: 300, stoppedAtRow: 302, refused: { record_too_long: 1 } });
    const rejects = await readRejects(summary.rejectsFile);
    expect(rejects).toEqual([
      { row: "302", number: "", code: "record_too_long", message: expect.stringContaining("never closed") },
    ]);
    expect((await getNumber(t.app, "+6569100299")).status).toBe(200);
    expect((await getNumber(t.app, "+6569200000")).status).toBe(404);
  });

  it("never repeats a file's contents in its messages", async () => {
    const file = await csvFile(
      "quotes.csv",
      `${header}+6569400001,ac"zq9secret,SG,DID-SG,\n+6569400002,acme,SG,DID-SG,"zq9secret" and more\n`,
    );
    const summary = await importNumbersFile(t.deps, options(file));
    expect(Object.keys(summary.refused)).toEqual(["malformed_row"]);
    const text = await readFile(summary.rejectsFile!, "utf8");
    expect(text).not.toContain("zq9secret");

    const environ = await csvFile("environ.csv", "SECRET_TOKEN=zq9secret,number\n+6569400003,x\n");
    const refused = importNumbersFile(t.deps, options(environ));
    await expect(refused).rejects.toThrow(/column 1 is not one/);
    await expect(refused).rejects.not.toThrow(/zq9secret/);
  });
});

describe("the imports folder", () => {
  it("holds the CLI's copy only while the import runs", async () => {
    const file = await csvFile(
      "tidy.csv",
      `${header}+6569500001,acme,SG,DID-SG,\nnonsense,acme,SG,DID-SG,\n`,
    );
    const summary = await runImport(t.deps, { file, rejectsFile: `${file}.rejects.csv` }, () => {}, 100);
    expect(summary).toMatchObject({ file, added: 1, rejectsFile: `${file}.rejects.csv` });
    expect(await readRejects(summary.rejectsFile)).toHaveLength(1);
    expect(await readdir(importsFolder(t.deps.config))).toEqual([]);
  });
});
