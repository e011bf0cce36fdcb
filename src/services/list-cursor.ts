import { AppError } from "../error-codes.js";

/** Where a page of a list sorted by name ended: the last row's name and id (names repeat, ids do not). */
export interface NamePosition {
  name: string;
  id: string;
}

const refused = (message: string) =>
  new AppError("validation_failed", message, [{ field: "cursor", message }]);

/** An opaque token for the next page of a list sorted by (name, id). */
export function encodeNameCursor(position: NamePosition): string {
  return Buffer.from(JSON.stringify([position.name, position.id])).toString("base64url");
}

/**
 * Reads a cursor back. A forged one can only start a page elsewhere in rows the key may see:
 * every page is read inside the key's scope whatever the cursor says.
 */
export function decodeNameCursor(cursor: string): NamePosition {
  try {
    const [name, id, extra] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (
      typeof name === "string" &&
      typeof id === "string" &&
      extra === undefined &&
      /^[0-9a-f-]{36}$/.test(id)
    )
      return { name, id };
  } catch {}
  throw refused("The cursor is not one this API issued.");
}

/** A page of `limit` rows out of `limit + 1` read, and the cursor of the next page if there is one. */
export function namePage<Row extends NamePosition>(rows: Row[], limit: number) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeNameCursor(last) : null };
}

/** `q` as a LIKE pattern that matches it anywhere, its own % and _ taken literally. */
export const containsPattern = (q: string) => `%${q.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
