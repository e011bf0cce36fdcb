import { NUMBER_CSV_COLUMNS } from "../db/number-csv.js";
import { AppError } from "../error-codes.js";

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

/** Checks a header row: `number` is required; a name that is no number field fails the whole file. */
export function readHeader(header: string[]): ImportColumns {
  const names = header.map((name) => name.trim());
  const unknown = names.filter((name) => !(name in IMPORTED_COLUMNS) && !EXPORT_ONLY_COLUMNS.has(name));
  if (unknown.length > 0)
    throw new AppError(
      "validation_failed",
      `The header names columns that are not number fields: ${unknown.join(", ")}.`,
      unknown.map((name) => ({ field: name, message: "not a number field" })),
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
 * default applies), booleans are true/false/1/0/yes/no, capabilities are separated by "|" or ",".
 * Anything unreadable is passed on as text for `checkItem` to refuse with the field's name.
 */
export function recordToItem(record: string[], columns: ImportColumns): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  columns.fields.forEach((field, index) => {
    const value = record[index];
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
