import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { type CsvError, parse } from "csv-parse";
import type pg from "pg";
import {
  mergeBatch,
  openImportSession,
  type StagedRow,
  stageBatch,
  stagedRows,
} from "../db/import-batches.js";
import { findOrganizations } from "../db/organizations.js";
import type { Dependencies } from "../dependencies.js";
import { AppError, type ItemRefusal } from "../error-codes.js";
import { type Reject, RejectsFile } from "./import-rejects.js";
import {
  controlCharacterCell,
  describeUnreadableRow,
  type ImportColumns,
  MAX_IMPORT_RECORD_BYTES,
  readHeader,
  recordToItem,
} from "./import-rows.js";
import { checkItem, checkItemSites, type NumberItem, toNumberRow } from "./number-items.js";

export const IMPORT_BATCH_SIZE = 10_000;

export interface ImportProgress {
  /** Data rows read so far (the header is not counted). */
  rows: number;
  bytes: number;
  totalBytes: number;
  added: number;
  alreadyPresent: number;
  refused: number;
}

export interface ImportSummary {
  file: string;
  rows: number;
  added: number;
  alreadyPresent: number;
  /** Rows refused, by code: validation_failed, malformed_number, duplicate_in_file, … */
  refused: Record<string, number>;
  /** Every row not added (refused or already present), with why; null when there was none. */
  rejectsFile: string | null;
  ignoredColumns: string[];
  /** The row where reading stopped because it was longer than MAX_IMPORT_RECORD_BYTES; else null. */
  stoppedAtRow: number | null;
  seconds: number;
  rowsPerSecond: number;
}

export interface ImportOptions {
  file: string;
  /** How history names who added the numbers, e.g. `import:numbers.csv`. */
  actor: string;
  rejectsFile: string;
  batchSize?: number;
  onProgress?: (progress: ImportProgress) => unknown;
}

type ParsedRecord = { record: string[]; row: number };
type Accepted = { index: number; item: NumberItem & { number: string } };

/** A pg error about the data (class 22) or a constraint (class 23): the rows are at fault. */
const isRowError = (error: unknown) => /^2[23]/.test((error as { code?: string }).code ?? "");

/**
 * Imports a CSV file of numbers (header row = number JSON field names) with the rules of
 * `POST /v1/numbers` applied to each row, except that a bad row never stops the good ones: it is
 * counted and written to the rejects file. The file is streamed and loaded in batches (COPY into
 * a staging table, then one INSERT … ON CONFLICT DO NOTHING), so memory stays flat at any size,
 * and importing the same file again adds nothing.
 */
export async function importNumbersFile(deps: Dependencies, options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const totalBytes = (await stat(options.file)).size;
  const batchSize = options.batchSize ?? IMPORT_BATCH_SIZE;
  const rejects = new RejectsFile(options.rejectsFile);
  const now = deps.clock.now();
  const counts = { rows: 0, added: 0, alreadyPresent: 0, refused: {} as Record<string, number> };
  const knownPartners = new Set<string>();
  let header: ImportColumns | undefined;

  // Row numbers as a spreadsheet shows them (the header is row 1), counted at parse time so a
  // record the parser had to skip keeps its place.
  let row = 0;
  let pending: Reject[] = [];
  // The parser runs ahead of us: its skipped rows wait here to join the rejects in row order.
  const skipped: Reject[] = [];
  let batch: Accepted[] = [];
  let stoppedAtRow: number | null = null;
  const input = createReadStream(options.file);
  const parser = input.pipe(
    parse({
      bom: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      max_record_size: MAX_IMPORT_RECORD_BYTES,
      // Typed as the parser's own records; the iteration below reads what this returns.
      on_record: (record: string[]) => ({ record, row: ++row }) as unknown as string[],
      on_skip: (error: CsvError | undefined) => {
        // After an overlong record the parser cannot find the next row again: stop reading, and
        // let it hand over the rows it already has.
        if (stoppedAtRow !== null) return;
        row += 1;
        const refusal = describeUnreadableRow(error?.code, row);
        skipped.push({ row, number: null, ...refusal });
        if (refusal.code === "record_too_long") {
          stoppedAtRow = row;
          setImmediate(() => {
            input.unpipe(parser);
            input.destroy();
            parser.end();
          });
        }
      },
    }),
  );

  // Bulk work on a connection of its own: its merges may take longer than an API statement.
  const client = await openImportSession({
    ...deps.pool.options,
    statement_timeout: deps.config.databaseBulkStatementTimeoutMs,
  });
  let writing: Promise<void> = Promise.resolve();
  try {
    const write = async (current: Reject[], accepted: Accepted[], rowsRead: number, bytesRead: number) => {
      const { refusals, staged } = await checkBatch(deps, accepted, knownPartners, now);
      current.push(...refusals.map(toReject));
      if (staged.length > 0) {
        await stageBatch(client, staged);
        const outcome = await mergeStaged(deps, client, { now, actor: options.actor });
        counts.added += outcome.added;
        current.push(...outcome.rejects);
      }
      current.sort((a, b) => a.row - b.row);
      for (const reject of current)
        if (reject.code === "already_exists") counts.alreadyPresent += 1;
        else counts.refused[reject.code] = (counts.refused[reject.code] ?? 0) + 1;
      await rejects.write(current);
      await options.onProgress?.({
        rows: rowsRead,
        bytes: bytesRead,
        totalBytes,
        added: counts.added,
        alreadyPresent: counts.alreadyPresent,
        refused: rejects.count - counts.alreadyPresent,
      });
    };
    // While Postgres adds one batch, the next is parsed and checked here: the two halves of the
    // work use both cores. At most one batch is ever waiting on the database.
    const flush = async () => {
      const current = pending;
      const accepted = batch;
      pending = [];
      batch = [];
      await writing;
      writing = write(current, accepted, Math.max(row - 1, 0), parser.info.bytes);
      writing.catch(() => {}); // its failure surfaces at the next flush or at the end
    };

    for await (const { record, row: index } of parser as AsyncIterable<ParsedRecord>) {
      while (skipped.length > 0 && skipped[0]!.row < index) pending.push(skipped.shift()!);
      if (!header) {
        header = readHeader(record);
        continue;
      }
      const control = controlCharacterCell(record);
      if (control) {
        pending.push({ row: index, number: null, ...control });
        if (batch.length + pending.length >= batchSize) await flush();
        continue;
      }
      const checked = checkItem(recordToItem(record, header), index);
      if (checked.ok) batch.push({ index, item: checked.item });
      else pending.push(toReject(checked.refusal));
      if (batch.length + pending.length >= batchSize) await flush();
    }
    if (!header) throw new AppError("validation_failed", "The file is empty: it has no header row.");
    pending.push(...skipped.splice(0));
    await flush();
    await writing;
    counts.rows = row - 1;
  } finally {
    await writing.catch(() => {});
    await client.end().catch(() => {}); // its session tables go with it
    parser.destroy();
  }

  const seconds = (performance.now() - started) / 1000;
  return {
    file: options.file,
    rows: counts.rows,
    added: counts.added,
    alreadyPresent: counts.alreadyPresent,
    refused: counts.refused,
    rejectsFile: await rejects.close(),
    ignoredColumns: header.ignored,
    stoppedAtRow,
    seconds: Number(seconds.toFixed(2)),
    rowsPerSecond: Math.round(counts.rows / Math.max(seconds, 0.001)),
  };
}

const toReject = (refusal: ItemRefusal): Reject => ({
  row: refusal.index,
  number: refusal.number,
  code: refusal.code,
  message: refusal.message,
});

/** The checks that need the database, as `POST /v1/numbers` makes them: partners, then sites. */
async function checkBatch(deps: Dependencies, batch: Accepted[], knownPartners: Set<string>, now: Date) {
  const refusals: ItemRefusal[] = [];
  const unknownIds = [
    ...new Set(batch.map(({ item }) => item.partnerId).filter((id) => id && !knownPartners.has(id))),
  ];
  for (const organization of (await findOrganizations(deps.db, unknownIds as string[])).values())
    if (organization.kind === "partner") knownPartners.add(organization.id);
  let accepted = batch.filter(({ index, item }) => {
    if (!item.partnerId || knownPartners.has(item.partnerId)) return true;
    refusals.push({
      index,
      number: item.number,
      code: "unknown_organization",
      message: `No partner has the id ${item.partnerId}.`,
    });
    return false;
  });
  const before = refusals.length;
  await checkItemSites(deps.db, accepted, refusals);
  const refusedBySite = new Set(refusals.slice(before).map((refusal) => refusal.index));
  accepted = accepted.filter(({ index }) => !refusedBySite.has(index));
  const staged: StagedRow[] = accepted.map(({ index, item }) => ({
    ...toNumberRow(item, now),
    row_no: index,
  }));
  return { refusals, staged };
}

/**
 * Merges the staged batch in one statement; if the database refuses it for one row's data (a
 * constraint no check above foresaw), merges row by row so only that row is refused.
 */
async function mergeStaged(
  deps: Dependencies,
  client: pg.ClientBase,
  options: { now: Date; actor: string },
): Promise<{ added: number; rejects: Reject[] }> {
  const describe = (outcome: Awaited<ReturnType<typeof mergeBatch>>) =>
    outcome.notAdded.map(
      (row): Reject => ({
        row: row.rowNo,
        number: row.number,
        code: row.code,
        message:
          row.code === "already_exists"
            ? "This number is already in inventory."
            : `Same number as row ${row.firstRow}.`,
      }),
    );
  try {
    const outcome = await mergeBatch(client, deps.db, options);
    return { added: outcome.added, rejects: describe(outcome) };
  } catch (error) {
    if (!isRowError(error)) throw error;
  }
  let added = 0;
  const rejects: Reject[] = [];
  for (const { rowNo, number } of await stagedRows(client)) {
    try {
      const outcome = await mergeBatch(client, deps.db, { ...options, onlyRow: rowNo });
      added += outcome.added;
      rejects.push(...describe(outcome));
    } catch (error) {
      if (!isRowError(error)) throw error;
      rejects.push({ row: rowNo, number, code: "refused_by_database", message: (error as Error).message });
    }
  }
  return { added, rejects };
}
