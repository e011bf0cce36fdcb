import type { Dependencies } from "../dependencies.js";
import { AppError } from "../error-codes.js";
import { openCursor, sealCursor } from "./sealed-cursor.js";

/** Where a page of a list sorted by name ended: the last row's name and id (names repeat, ids do not). */
export interface NamePosition {
  name: string;
  id: string;
}

/**
 * A list sorted by (name, id) and the query a cursor belongs to (its filters, as JSON): cursors
 * are sealed like every other (sealed-cursor.ts), so one made for another list or other filters
 * answers 400.
 */
export interface NameList {
  purpose: string;
  filters: Record<string, unknown>;
}

const fingerprint = (list: NameList) => JSON.stringify(list.filters);

/** The position a cursor of this list carries; 400 for anything this server did not seal for it. */
export async function openNameCursor(
  deps: Pick<Dependencies, "db">,
  list: NameList,
  cursor: string,
): Promise<NamePosition> {
  const position = await openCursor(deps, list.purpose, cursor, fingerprint(list));
  if (Array.isArray(position) && position.length === 2) {
    const [name, id] = position as unknown[];
    if (typeof name === "string" && typeof id === "string") return { name, id };
  }
  const message = "The cursor is not one this API issued.";
  throw new AppError("validation_failed", message, [{ field: "cursor", message }]);
}

/** A page of `limit` rows out of `limit + 1` read, and the cursor of the next page if there is one. */
export async function namePage<Row extends NamePosition>(
  deps: Pick<Dependencies, "db">,
  list: NameList,
  rows: Row[],
  limit: number,
) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const nextCursor =
    rows.length > limit && last
      ? await sealCursor(deps, list.purpose, [last.name, last.id], fingerprint(list))
      : null;
  return { items, nextCursor };
}

/** `q` as a LIKE pattern that matches it anywhere, its own % and _ taken literally. */
export const containsPattern = (q: string) => `%${q.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
