import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import type { Db } from "./database.js";

export type ServerSecretName = "cursor";

/**
 * A secret shared by every process of the deployment, stored in `server_secrets` (migration 0011
 * makes the cursor key). If the row is missing (deleted by hand to rotate it) the first process
 * to look makes a new one, and the others read that same row.
 */
export async function loadServerSecret(db: Db, name: ServerSecretName): Promise<Buffer> {
  for (;;) {
    const secret = await readOrMake(db, name);
    // Null only when another process made the row while this statement ran: read again.
    if (secret) return secret;
  }
}

async function readOrMake(db: Db, name: ServerSecretName): Promise<Buffer | null> {
  const { rows } = await sql<{ value: Buffer }>`
    WITH made AS (
      INSERT INTO server_secrets (name, value) VALUES (${name}, ${randomBytes(32)})
      ON CONFLICT (name) DO NOTHING
      RETURNING value
    )
    SELECT value FROM made
    UNION ALL
    SELECT value FROM server_secrets WHERE name = ${name}
    LIMIT 1`.execute(db);
  return rows[0]?.value ?? null;
}
