import { type Kysely, type RawBuilder, sql } from "kysely";

// Frozen in time: never import application code here, never edit once landed.

/**
 * Back-fills `table` (history entries or transitions, with before/after snapshots): the owners
 * before and after, their partners, and the number's inventory partner; rows none of those name
 * keep the empty default and are not rewritten. No self-join: a million-row hash join of the
 * table with itself costs more than the rewrite.
 */
function backfill(table: RawBuilder<unknown>, ownerBefore: RawBuilder<unknown>) {
  const ownerAfter = sql`(entry.after ->> 'ownerId')::uuid`;
  const partnerOf = (owner: RawBuilder<unknown>) =>
    sql`(SELECT partner_id FROM organizations WHERE id = ${owner})`;
  return sql`
    UPDATE ${table} AS entry SET visible_to = ARRAY(
      SELECT DISTINCT org FROM unnest(ARRAY[${ownerBefore}, ${partnerOf(ownerBefore)}, ${ownerAfter},
        ${partnerOf(ownerAfter)}, n.partner_id]) AS org
      WHERE org IS NOT NULL)
    FROM numbers AS n
    WHERE n.number = entry.number
      AND (${ownerBefore} IS NOT NULL OR ${ownerAfter} IS NOT NULL OR n.partner_id IS NOT NULL)`;
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Who may read each row: the organisations whose scope held the number when the row was
    -- written (before or after the change it records) — the owner, the inventory partner and the
    -- owner's partner, as webhook_events.audience. A partner or customer key reads a row only
    -- when its organisation is listed; platform keys read every row. The default only spares the
    -- existing rows a rewrite when nobody is listed; it is dropped below, so a writer that
    -- forgets the column fails instead of writing a row nobody can read.
    ALTER TABLE number_history ADD COLUMN visible_to uuid[] NOT NULL DEFAULT '{}';
    ALTER TABLE transitions ADD COLUMN visible_to uuid[] NOT NULL DEFAULT '{}';
    ALTER TABLE notices ADD COLUMN visible_to uuid[] NOT NULL DEFAULT '{}';
  `.execute(db);

  // Back-fill, one set-based statement per table. Snapshots name the owner before and after; the
  // inventory partner and the owners' partners are taken as they are now (nothing older is kept).
  // A pending transition has no before/after yet: its number has not changed since it was asked.
  await backfill(sql`number_history`, sql`(entry.before ->> 'ownerId')::uuid`).execute(db);
  await backfill(
    sql`transitions`,
    sql`(CASE WHEN entry.before IS NULL THEN n.owner_id ELSE (entry.before ->> 'ownerId')::uuid END)`,
  ).execute(db);

  // A reservation notice went to the holder of the reservation that expired at expires_at: the
  // owner in the last history entry that set that expiry. Lock notices concern unowned numbers.
  const holder = sql`(SELECT (h.after ->> 'ownerId')::uuid FROM number_history AS h
    WHERE notices.kind = 'reservation_expiring' AND h.number = notices.number
      AND h.after ->> 'reservationExpiresAt'
        = to_char(notices.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    ORDER BY h.id DESC LIMIT 1)`;
  await sql`
    UPDATE notices SET visible_to = ARRAY(
      SELECT DISTINCT org FROM unnest(ARRAY[${holder}, (SELECT partner_id FROM organizations WHERE id = ${holder}),
        n.partner_id]) AS org
      WHERE org IS NOT NULL)
    FROM numbers AS n
    WHERE n.number = notices.number AND (n.partner_id IS NOT NULL OR ${holder} IS NOT NULL)
  `.execute(db);

  await sql`
    ALTER TABLE number_history ALTER COLUMN visible_to DROP DEFAULT;
    ALTER TABLE transitions ALTER COLUMN visible_to DROP DEFAULT;
    ALTER TABLE notices ALTER COLUMN visible_to DROP DEFAULT;
    -- GET /v1/notices without a number lists a key's notices: containment through this index.
    CREATE INDEX notices_visible_to ON notices USING gin (visible_to);

    -- Failed tries at applying a transition (errors, not rule refusals); after the configured
    -- number it is rejected with internal_error, so its number does not stay pending forever.
    ALTER TABLE transitions ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0;

    -- The circuit breaker of each receiving server (scheme, host and port of webhook URLs):
    -- after consecutive failures its deliveries pause until paused_until; the pause grows each
    -- time it opens again and a success closes it.
    -- When a delivery was recorded by Postgres's clock: one whose server stays paused is given
    -- up once it is older than the retry window (operational time, as retries are).
    ALTER TABLE webhook_deliveries ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
    CREATE TABLE webhook_endpoints (
      endpoint text PRIMARY KEY,
      consecutive_failures integer NOT NULL DEFAULT 0,
      times_opened integer NOT NULL DEFAULT 0,
      opened_at timestamptz,
      paused_until timestamptz,
      updated_at timestamptz NOT NULL
    );
  `.execute(db);
}
