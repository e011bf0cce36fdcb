import { randomBytes } from "node:crypto";
import { type Kysely, sql } from "kysely";

// Frozen in time: never import application code here, never edit once landed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Secrets every process of a deployment must share (e.g. the key that seals page cursors),
    -- kept where they all already look: made once here, read at start.
    CREATE TABLE server_secrets (
      name text PRIMARY KEY,
      value bytea NOT NULL CHECK (octet_length(value) >= 32),
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`INSERT INTO server_secrets (name, value) VALUES ('cursor', ${randomBytes(32)})`.execute(db);
}
