import { randomUUID } from "node:crypto";
import { inflateSync } from "node:zlib";
import { sql } from "kysely";
import type { App } from "../../src/api/app.js";
import type { NewNumberRow } from "../../src/db/tables.js";
import type { Dependencies } from "../../src/dependencies.js";
import { call } from "../support/api.js";

/**
 * Inventory rows written straight to the table: the search reads rows, and a hundred numbers in
 * every state are quicker to write than to walk through transitions one by one.
 */
export async function insertNumbers(
  deps: Dependencies,
  rows: (Partial<NewNumberRow> & { number: string })[],
): Promise<void> {
  const now = deps.clock.now();
  await deps.db
    .insertInto("numbers")
    .values(
      rows.map((row) => ({
        state: "available",
        vendor: "acme",
        country: "SG",
        sku: "DID-SG",
        capabilities: ["voice"],
        created_at: now,
        updated_at: now,
        ...row,
      })),
    )
    .execute();
}

export async function createSite(deps: Dependencies, operatorId: string, occupierIds: string[] = []) {
  const id = randomUUID();
  await sql`INSERT INTO sites (id, name, operator_id) VALUES (${id}, ${`Site ${id.slice(0, 8)}`}, ${operatorId})`.execute(
    deps.db,
  );
  for (const organizationId of occupierIds)
    await sql`INSERT INTO site_occupiers (site_id, organization_id) VALUES (${id}, ${organizationId})`.execute(
      deps.db,
    );
  return id;
}

/** Every number of a search, walking all its pages. */
export async function listAll(app: App, query: string, key?: string, limit = 1000): Promise<string[]> {
  const numbers: string[] = [];
  let cursor: string | null = null;
  do {
    const separator = query ? "&" : "";
    const url: string = `/v1/numbers?${query}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const response = await call(app, "GET", url, { key });
    if (response.status !== 200) throw new Error(`${url}: ${response.status} ${response.text}`);
    numbers.push(...response.body.items.map((item: { number: string }) => item.number));
    cursor = response.body.nextCursor;
  } while (cursor);
  return numbers;
}

/** The text a pdfkit document draws: its content streams inflated, the hex strings of each TJ. */
export function pdfText(pdf: Buffer): string[] {
  const texts: string[] = [];
  const raw = pdf.toString("latin1");
  for (const match of raw.matchAll(/stream\n([\s\S]*?)\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(match[1]!, "latin1")).toString("latin1");
    } catch {
      continue;
    }
    for (const op of content.matchAll(/\[(.*?)\] TJ/g))
      texts.push(
        [...op[1]!.matchAll(/<([0-9a-f]*)>/g)]
          .map((hex) => Buffer.from(hex[1]!, "hex").toString("latin1"))
          .join(""),
      );
  }
  return texts;
}
