import { controlCharacterIn } from "../control-characters.js";
import { NUMBER_CSV_COLUMNS } from "../db/number-csv.js";
import { AppError, type ItemCode } from "../error-codes.js";
import { withoutSpreadsheetGuard } from "../spreadsheet-cells.js";

/**
 * No row of numbers comes near this; a record that does is almost always a quote never closed,
 * which would otherwise read the rest of the file into one cell. Reading stops there.
 */
export const MAX_IMPORT_RECORD_BYTES = 64 * 1024;

/**
 * CSV columns the import reads, by their number-JSON names, and the item field each fills. The
 * export's nested `lock.expiresAt` and `lock.remark` are read as the add-number item's
 * `lockExpiresAt` and `remark`, so an exported file can be imported again.
 */
const IMPORTED_COLUMNS: Record<string, string> = {
  number: "number",
  vendor: "vendor",
  country: "country",
  sku: "sku",
  capabilities: "capabilities",
  routing: "routing",
  golden: "golden",
  portedIn: "portedIn",
  visibleToDomain: "visibleToDomain",
  partnerId: "partnerId",
  siteId: "siteId",
  rangeName: "rangeName",
  extension: "extension",
  mainNumber: "mainNumber",
  state: "state",
  lockExpiresAt: "lockExpiresAt",
  "lock.expiresAt": "lockExpiresAt",
  remark: "remark",
  "lock.remark": "remark",
};
const BOOLEAN_FIELDS = new Set(["golden", "portedIn", "mainNumber"]);
/** Export columns the import cannot set (life-cycle, timestamps): skipped, and reported. */
const EXPORT_ONLY_COLUMNS = new Set(NUMBER_CSV_COLUMNS.map(([name]) => name));

export interface ImportColumns {
  /** The item field of each CSV column, or null for a column that is skipped. */
  fields: (string | null)[];
  ignored: string[];
}

/**
 * Checks a header row: `number` is required; a name that is no number field fails the whole file.
 * The error names columns by position, never by what they say: whatever file a job was pointed
 * at, its contents must not come back in an error message.
 */
export function readHeader(header: string[]): ImportColumns {
  const names = header.map((name) => name.trim());
  const unknown = names.flatMap((name, index) =>
    name in IMPORTED_COLUMNS || EXPORT_ONLY_COLUMNS.has(name) ? [] : [index + 1],
  );
  if (unknown.length > 0)
    throw new AppError(
      "validation_failed",
      `The header row is not a list of number fields: ${unknown.length === 1 ? "column" : "columns"} ${unknown.join(", ")} ${unknown.length === 1 ? "is" : "are"} not one (the header names fields such as number, vendor, country, sku).`,
      unknown.map((column) => ({ field: `column ${column}`, message: "not a number field" })),
    );
  if (!names.includes("number"))
    throw new AppError("validation_failed", 'The header has no "number" column.', [
      { field: "number", message: "required" },
    ]);
  return {
    fields: names.map((name) => IMPORTED_COLUMNS[name] ?? null),
    ignored: names.filter((name) => !(name in IMPORTED_COLUMNS)),
  };
}

const BOOLEAN_TEXT: Record<string, boolean> = {
  true: true,
  false: false,
  "1": true,
  "0": false,
  yes: true,
  no: false,
};

/**
 * One CSV record as the add-number item the API takes: an empty cell is an absent field (its
 * default applies), booleans are true/false/1/0/yes/no, capabilities are separated by "|" or ",",
 * and a leading ' before what looks like a formula (how downloads write such cells) is dropped.
 * Anything unreadable is passed on as text for `checkItem` to refuse with the field's name.
 */
export function recordToItem(record: string[], columns: ImportColumns): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  columns.fields.forEach((field, index) => {
    // A cell our own download guarded against spreadsheet formulas reads back as it was.
    const value = record[index] === undefined ? undefined : withoutSpreadsheetGuard(record[index]);
    if (field === null || value === undefined || value.trim() === "" || item[field] !== undefined) return;
    if (BOOLEAN_FIELDS.has(field)) item[field] = BOOLEAN_TEXT[value.trim().toLowerCase()] ?? value;
    else if (field === "capabilities")
      item[field] = value
        .split(/[|,]/)
        .map((capability) => capability.trim().toLowerCase())
        .filter(Boolean);
    else item[field] = value;
  });
  return item;
}

/** A cell of the row holding a refused control character: the row is refused, the rest go on. */
export function controlCharacterCell(record: string[]): { code: ItemCode; message: string } | null {
  for (const [index, cell] of record.entries()) {
    const character = controlCharacterIn(cell);
    if (character)
      return {
        code: "control_character",
        message: `Column ${index + 1} contains a control character (${character}); only tab, line feed and carriage return are allowed.`,
      };
  }
  return null;
}

/**
 * Why csv-parse could not read a row, in our words: its own messages quote the cell, and a
 * rejects file or an error must not carry back what a file contains.
 */
export function describeUnreadableRow(
  code: string | undefined,
  row: number,
): { code: ItemCode; message: string } {
  switch (code) {
    case "CSV_MAX_RECORD_SIZE":
      return {
        code: "record_too_long",
        message: `Row ${row} is longer than ${MAX_IMPORT_RECORD_BYTES / 1024} KiB, usually a quote that is never closed; the file was read up to this row and the rows after it were not imported.`,
      };
    case "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH":
      return { code: "malformed_row", message: "The row has a different number of cells than the header." };
    case "CSV_QUOTE_NOT_CLOSED":
      return { code: "malformed_row", message: "A quote opened in this row is never closed." };
    case "INVALID_OPENING_QUOTE":
      return {
        code: "malformed_row",
        message: "A quote appears inside a cell; quote the whole cell and double the quotes inside it.",
      };
    case "CSV_INVALID_CLOSING_QUOTE":
    case "CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE":
      return { code: "malformed_row", message: "A closing quote is followed by more text in the same cell." };
    default:
      return { code: "malformed_row", message: "The row cannot be read as CSV." };
  }
}
