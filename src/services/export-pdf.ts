import { Readable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import PDFDocument from "pdfkit";
import { findOrganizations } from "../db/organizations.js";
import type { Scope } from "../db/scope.js";
import { type NumberFilters, type NumberSort, selectMatching, sortKeyText } from "../db/search.js";
import type { NumberRow } from "../db/tables.js";
import type { Dependencies } from "../dependencies.js";
import { exportFilename } from "./export-csv.js";
import type { Principal } from "./principal.js";
import { parseSearch, type SearchQuery } from "./search.js";

const BATCH_SIZE = 500;
const MARGIN = 36;
const ROW_HEIGHT = 13;
const FONT_SIZE = 8;
const COLUMNS = [
  { title: "Number", width: 105 },
  { title: "State", width: 110 },
  { title: "Owner", width: 200 },
  { title: "Expiry (UTC)", width: 100 },
  { title: "Vendor", width: 125 },
  { title: "Country", width: 45 },
  { title: "SKU", width: 84 },
] as const;

type Batch = { rows: NumberRow[]; last: { key: string | null; number: string } | undefined };

async function fetchBatch(
  deps: Dependencies,
  scope: Scope,
  filters: NumberFilters,
  sort: NumberSort,
  after?: { key: string | null; number: string },
): Promise<Batch> {
  const rows = await selectMatching(deps.db, scope, filters, sort, after)
    .selectAll("numbers")
    .select(sortKeyText(sort))
    .limit(BATCH_SIZE)
    .execute();
  const last = rows.at(-1);
  return {
    rows,
    last: rows.length === BATCH_SIZE && last ? { key: last.sort_key, number: last.number } : undefined,
  };
}

const shortTime = (value: Date | null) => (value ? value.toISOString().slice(0, 16).replace("T", " ") : "");

/** The expiry a person looks for: the reservation's, else the lock's, else the end of cooldown. */
const expiryOf = (row: NumberRow) =>
  (row.reservation_kind ? row.reservation_expires_at : null) ??
  (row.state === "locked" ? row.lock_expires_at : null) ??
  row.cooldown_until;

function cells(row: NumberRow, owners: Map<string, string>): string[] {
  const state = row.pending_transition_id ? `${row.state} (pending ${row.pending_action})` : row.state;
  const owner = row.owner_id ? (owners.get(row.owner_id) ?? row.owner_id) : "";
  return [row.number, state, owner, shortTime(expiryOf(row)), row.vendor, row.country, row.sku];
}

/** Cuts a cell to its column, with an ellipsis, so every row is one line and pages stay even. */
function fitToWidth(doc: PDFKit.PDFDocument, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let cut = text;
  while (cut.length > 1 && doc.widthOfString(`${cut}…`) > width) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/**
 * The PDF table, written a batch of rows at a time and handed out as it grows. It is a pulled
 * stream: the next batch is read from Postgres only when the client has taken the last one, and
 * a client that goes away stops the reading.
 */
async function* renderPdf(
  deps: Dependencies,
  principal: Principal,
  search: { filters: NumberFilters; sort: NumberSort },
  description: string,
  first: Batch,
): AsyncGenerator<Buffer> {
  const doc = new PDFDocument({
    size: "A4",
    layout: "landscape",
    margins: { top: MARGIN, left: MARGIN, right: MARGIN, bottom: 20 },
    info: { Title: "Numbers", Creator: "numbers" },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => doc.once("end", resolve));
  const drain = () => Buffer.concat(chunks.splice(0));
  const made = deps.clock.now().toISOString();
  let pageNumber = 0;
  let y = 0;

  const startPage = () => {
    if (pageNumber > 0) doc.addPage();
    pageNumber += 1;
    doc.font("Helvetica-Bold").fontSize(13).text("Numbers", MARGIN, MARGIN, { lineBreak: false });
    doc.font("Helvetica").fontSize(FONT_SIZE);
    doc.text(`Made ${made}`, MARGIN, MARGIN + 18, { lineBreak: false });
    doc.text(fitToWidth(doc, description, 770), MARGIN, MARGIN + 29, { lineBreak: false });
    doc
      .fontSize(FONT_SIZE)
      .text(`Page ${pageNumber}`, MARGIN, doc.page.height - 32, { width: 770, align: "right" });
    y = MARGIN + 46;
    doc.font("Helvetica-Bold");
    drawRow(COLUMNS.map((column) => column.title));
    doc
      .moveTo(MARGIN, y - 3)
      .lineTo(MARGIN + 770, y - 3)
      .lineWidth(0.5)
      .stroke();
    doc.font("Helvetica");
  };
  const drawRow = (values: string[]) => {
    let x = MARGIN;
    values.forEach((value, index) => {
      const width = COLUMNS[index]!.width;
      doc.text(fitToWidth(doc, value, width - 4), x, y, { lineBreak: false });
      x += width;
    });
    y += ROW_HEIGHT;
  };

  startPage();
  if (first.rows.length === 0) doc.text("No numbers match this search.", MARGIN, y + 4);
  const owners = new Map<string, string>();
  let batch: Batch | undefined = first;
  while (batch) {
    const unknown = [...new Set(batch.rows.map((row) => row.owner_id))].filter(
      (id): id is string => !!id && !owners.has(id),
    );
    for (const [id, organization] of await findOrganizations(deps.db, unknown))
      owners.set(id, organization.name);
    for (const row of batch.rows) {
      if (y + ROW_HEIGHT > doc.page.height - 40) startPage();
      drawRow(cells(row, owners));
    }
    await nextTurn(); // pdfkit emits a finished page's bytes on a later turn
    if (chunks.length > 0) yield drain();
    batch = batch.last
      ? await fetchBatch(deps, principal.scope, search.filters, search.sort, batch.last)
      : undefined;
  }
  doc.end();
  await ended;
  yield drain();
}

/** The numbers a search selects as a PDF table; the first rows are read before the response starts. */
export async function openNumbersPdf(
  deps: Dependencies,
  principal: Principal,
  query: SearchQuery,
  description: string,
): Promise<{ stream: Readable; filename: string }> {
  const search = parseSearch(query);
  const first = await fetchBatch(deps, principal.scope, search.filters, search.sort);
  return {
    stream: Readable.from(renderPdf(deps, principal, search, description, first), { objectMode: false }),
    filename: exportFilename(deps.clock.now(), "pdf"),
  };
}
