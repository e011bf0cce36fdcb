import type { NumberFilters, NumberSort, SeekPosition } from "../db/search.js";
import type { Dependencies } from "../dependencies.js";
import { AppError } from "../error-codes.js";
import { openCursor, sealCursor } from "./sealed-cursor.js";

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

const PURPOSE = "numbers";

/** The last row's sort key (as Postgres text) and number, sealed to the query (see sealed-cursor.ts). */
export function encodeCursor(
  deps: Pick<Dependencies, "db">,
  position: SeekPosition,
  sort: NumberSort,
  filters: NumberFilters,
): Promise<string> {
  return sealCursor(deps, PURPOSE, [position.key, position.number], queryFingerprint(sort, filters));
}

export async function decodeCursor(
  deps: Pick<Dependencies, "db">,
  cursor: string,
  sort: NumberSort,
  filters: NumberFilters,
): Promise<SeekPosition> {
  const position = await openCursor(deps, PURPOSE, cursor, queryFingerprint(sort, filters));
  if (Array.isArray(position) && position.length === 2) {
    const [key, number] = position as unknown[];
    if ((typeof key === "string" || key === null) && typeof number === "string") return { key, number };
  }
  const message = "The cursor is not one this API issued.";
  throw new AppError("validation_failed", message, [{ field: "cursor", message }]);
}
