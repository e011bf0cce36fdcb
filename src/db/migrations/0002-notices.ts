import { type Kysely, sql } from "kysely";

// Frozen in time: never import application code here, never edit once landed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- One row per notice and audience, recorded BEFORE anything is sent: the unique key decides
    -- which sweep sends it (INSERT … ON CONFLICT DO NOTHING RETURNING), so a notice is sent once
    -- per (number, kind, expiry) to each audience however many sweeps run. The audience, not the
    -- address, is in the key: an organisation that changes its e-mail is not told twice.
    CREATE TABLE notices (
      id uuid PRIMARY KEY,
      number text NOT NULL REFERENCES numbers (number),
      kind text NOT NULL CHECK (kind IN ('reservation_expiring', 'lock_expiring', 'lock_expired')),
      expires_at timestamptz NOT NULL,
      audience text NOT NULL CHECK (audience IN ('owner', 'partner_support', 'platform_support')),
      recipient text NOT NULL,
      -- The e-mail this notice travels in: one per recipient per sweep; also the mail job id.
      batch_id uuid NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz NOT NULL,
      UNIQUE (number, kind, expires_at, audience)
    );
    CREATE INDEX notices_batch ON notices (batch_id);
    CREATE INDEX notices_pending ON notices (batch_id) WHERE status = 'pending';
    CREATE INDEX notices_created ON notices (created_at, id);
  `.execute(db);
}
