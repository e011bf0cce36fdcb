import { Readable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import PDFDocument from "pdfkit";
import { type NamedNumberRow, selectNumberNames } from "../db/number-names.js";
import type { Scope } from "../db/scope.js";
import { type NumberFilters, type NumberSort, selectMatching, sortKeyText } from "../db/search.js";
import type { Dependencies } from "../dependencies.js";
import { DOWNLOAD_NAME } from "./export-csv.js";
import type { Principal } from "./principal.js";
import { type DownloadQuery, parseSearch } from "./search.js";

const BATCH_SIZE = 500;
const MARGIN = 36;
const ROW_HEIGHT = 13;
const FONT_SIZE = 8;
/** The Phone Numbers page's columns (docs/domain.md), then where the number is and when its hold ends. */
const COLUMNS = [
  { title: "Number", width: 90 },
  { title: "Used by", width: 90 },
  { title: "Company", width: 135 },
  { title: "Partner", width: 115 },
  { title: "Provider", width: 80 },
  { title: "Status", width: 100 },
  { title: "Site", width: 85 },
  { title: "Expiry (UTC)", width: 75 },
] as const;

type Batch = { rows: NamedNumberRow[]; last: { key: string | null; number: string } | undefined };

async function fetchBatch(
  deps: Dependencies,
  scope: Scope,
  filters: NumberFilters,
  sort: NumberSort,
  after?: { key: string | null; number: string },
): Promise<Batch> {
  const rows = await selectMatching(deps.db, scope, filters, sort, after)
    .selectAll("numbers")
    .select(selectNumberNames(scope))
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
const expiryOf = (row: NamedNumberRow) =>
  (row.reservation_kind ? row.reservation_expires_at : null) ??
  (row.state === "locked" ? row.lock_expires_at : null) ??
  row.cooldown_until;

function cells(row: NamedNumberRow): string[] {
  const status = row.pending_transition_id ? `${row.state} (pending ${row.pending_action})` : row.state;
  return [
    row.number,
    row.end_user_id ?? "",
    row.owner_name ?? row.owner_id ?? "",
    row.partner_name ?? row.partner_id ?? "",
    row.vendor,
    status,
    row.site_name ?? row.site_id ?? "",
    shortTime(expiryOf(row)),
  ];
}

/** Cuts a cell to its column, with an ellipsis, so every row is one line and pages stay even. */
function fitToWidth(doc: PDFKit.PDFDocument, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  // The longest prefix that fits with its ellipsis, found by halving: a long cell (an end user's
  // id can run to hundreds of characters) costs a few measurements, not one per character.
  let fits = 1;
  let tooLong = text.length;
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2);
    if (doc.widthOfString(`${text.slice(0, middle)}…`) <= width) fits = middle;
    else tooLong = middle;
  }
  return `${text.slice(0, fits)}…`;
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
    info: { Title: "Phone numbers", Creator: "numbers" },
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
    doc.font("Helvetica-Bold").fontSize(13).text("Phone numbers", MARGIN, MARGIN, { lineBreak: false });
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
  let batch: Batch | undefined = first;
  while (batch) {
    for (const row of batch.rows) {
      if (y + ROW_HEIGHT > doc.page.height - 40) startPage();
      drawRow(cells(row));
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
  query: DownloadQuery,
  description: string,
): Promise<{ stream: Readable; filename: string }> {
  const search = parseSearch(query);
  const first = await fetchBatch(deps, principal.scope, search.filters, search.sort);
  return {
    stream: Readable.from(renderPdf(deps, principal, search, description, first), { objectMode: false }),
    filename: `${DOWNLOAD_NAME}.pdf`,
  };
}
