import { createHmac, timingSafeEqual } from "node:crypto";
import type { Db } from "../db/database.js";
import { loadServerSecret } from "../db/server-secrets.js";
import type { Dependencies } from "../dependencies.js";
import { AppError } from "../error-codes.js";

/**
 * Page cursors are opaque tokens `payload.seal`: the payload is where the last page ended, the
 * seal an HMAC-SHA256 keyed by a server secret over what the cursor is for (its purpose), the
 * payload and the query it belongs to. Only this server can make a cursor, so what a cursor
 * carries reaches SQL only as this server wrote it; an edited, forged or garbled cursor, or one
 * taken from another query, answers 400 naming `cursor`. The key lives in Postgres (table
 * server_secrets), so every API process seals and opens the same cursors.
 */

const keys = new WeakMap<Db, Promise<Buffer>>();

/** The cursor key, read once per process (per database handle). */
function cursorKey(deps: Pick<Dependencies, "db">): Promise<Buffer> {
  let key = keys.get(deps.db);
  if (!key) {
    key = loadServerSecret(deps.db, "cursor");
    // A failed read (Postgres away) is not remembered: the next request tries again.
    key.catch(() => keys.delete(deps.db));
    keys.set(deps.db, key);
  }
  return key;
}

const seal = (key: Buffer, purpose: string, payload: string, fingerprint: string) =>
  createHmac("sha256", key).update(`${purpose}\n${payload}\n${fingerprint}`).digest();

export async function sealCursor(
  deps: Pick<Dependencies, "db">,
  purpose: string,
  position: unknown,
  fingerprint: string,
): Promise<string> {
  const payload = Buffer.from(JSON.stringify(position)).toString("base64url");
  const mac = seal(await cursorKey(deps), purpose, payload, fingerprint);
  return `${payload}.${mac.toString("base64url")}`;
}

const refused = (message: string) =>
  new AppError("validation_failed", message, [{ field: "cursor", message }]);

/** The position a cursor of ours carries; 400 for anything this server did not seal for this query. */
export async function openCursor(
  deps: Pick<Dependencies, "db">,
  purpose: string,
  cursor: string,
  fingerprint: string,
): Promise<unknown> {
  const [payload, given, extra] = cursor.split(".");
  if (!payload || !given || extra !== undefined) throw refused("The cursor is not one this API issued.");
  const expected = seal(await cursorKey(deps), purpose, payload, fingerprint);
  const presented = Buffer.from(given, "base64url");
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected))
    throw refused(
      "The cursor was altered or belongs to another query; use it with the same sort and filters.",
    );
  try {
    return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown;
  } catch {
    throw refused("The cursor is not one this API issued.");
  }
}
