import { createHash } from "node:crypto";
import type { NumberFilters, NumberSort, SeekPosition } from "../db/search.js";
import { AppError } from "../error-codes.js";

/**
 * What a cursor belongs to: the sort and the filters, in a canonical form, so a cursor taken
 * from one query is refused by another. The page size is not part of it: it may change per page.
 */
function queryFingerprint(sort: NumberSort, filters: NumberFilters): string {
  const canonical = Object.entries(filters)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => [name, value instanceof Date ? value.toISOString() : value]);
  return JSON.stringify({ sort: `${sort.descending ? "-" : ""}${sort.field}`, filters: canonical });
}

const seal = (payload: string, fingerprint: string) =>
  createHash("sha256").update(payload).update("\n").update(fingerprint).digest("base64url").slice(0, 22);

/**
 * An opaque token: the last row's sort key and number, sealed with a hash over them and the
 * query. The seal catches edits and cursors from other queries; it is not a secret, and need not
 * be: every page is read inside the key's scope whatever the cursor says.
 */
export function encodeCursor(position: SeekPosition, sort: NumberSort, filters: NumberFilters): string {
  const payload = Buffer.from(JSON.stringify([position.key, position.number])).toString("base64url");
  return `${payload}.${seal(payload, queryFingerprint(sort, filters))}`;
}

const refused = (message: string) =>
  new AppError("validation_failed", message, [{ field: "cursor", message }]);

export function decodeCursor(cursor: string, sort: NumberSort, filters: NumberFilters): SeekPosition {
  const [payload, given, extra] = cursor.split(".");
  if (!payload || !given || extra !== undefined) throw refused("The cursor is not one this API issued.");
  if (seal(payload, queryFingerprint(sort, filters)) !== given)
    throw refused(
      "The cursor was altered or belongs to another query; use it with the same sort and filters.",
    );
  try {
    const [key, number] = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown[];
    if ((typeof key === "string" || key === null) && typeof number === "string") return { key, number };
  } catch {}
  throw refused("The cursor is not one this API issued.");
}
