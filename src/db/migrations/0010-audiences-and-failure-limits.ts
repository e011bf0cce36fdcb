import { type Kysely, type RawBuilder, sql } from "kysely";

// Frozen in time: never import application code here, never edit once landed.

/**
 * Per row of `table` (a history entry or a transition, with before/after snapshots): the owners
 * before and after, their partners, and the number's inventory partner.
 */
function audiences(table: RawBuilder<unknown>, ownerBefore: RawBuilder<unknown>) {
  return sql`
    SELECT entry.id, ARRAY(
      SELECT DISTINCT org FROM unnest(ARRAY[ids.owner_before, owner_before.partner_id, ids.owner_after,
        owner_after.partner_id, n.partner_id]) AS org WHERE org IS NOT NULL) AS orgs
    FROM ${table} AS entry
    JOIN numbers AS n ON n.number = entry.number
    CROSS JOIN LATERAL (SELECT ${ownerBefore} AS owner_before, (entry.after ->> 'ownerId')::uuid AS owner_after) AS ids
    LEFT JOIN organizations AS owner_before ON owner_before.id = ids.owner_before
    LEFT JOIN organizations AS owner_after ON owner_after.id = ids.owner_after`;
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
  await sql`UPDATE number_history AS target SET visible_to = facts.orgs
    FROM (${audiences(sql`number_history`, sql`(entry.before ->> 'ownerId')::uuid`)}) AS facts
    WHERE target.id = facts.id AND facts.orgs <> '{}'`.execute(db);
  await sql`UPDATE transitions AS target SET visible_to = facts.orgs
    FROM (${audiences(
      sql`transitions`,
      sql`CASE WHEN entry.before IS NULL THEN n.owner_id ELSE (entry.before ->> 'ownerId')::uuid END`,
    )}) AS facts
    WHERE target.id = facts.id AND facts.orgs <> '{}'`.execute(db);

  // A reservation notice went to the holder of the reservation that expired at expires_at: the
  // owner in the last history entry that set that expiry. Lock notices concern unowned numbers.
  await sql`
    UPDATE notices AS o SET visible_to = facts.orgs
    FROM (
      SELECT notices.id, ARRAY(
        SELECT DISTINCT org FROM unnest(ARRAY[reservation.owner_id, holder.partner_id, n.partner_id]) AS org
        WHERE org IS NOT NULL) AS orgs
      FROM notices
      JOIN numbers AS n ON n.number = notices.number
      LEFT JOIN LATERAL (
        SELECT (h.after ->> 'ownerId')::uuid AS owner_id FROM number_history AS h
        WHERE notices.kind = 'reservation_expiring' AND h.number = notices.number
          AND h.after ->> 'reservationExpiresAt'
            = to_char(notices.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
        ORDER BY h.id DESC LIMIT 1
      ) AS reservation ON true
      LEFT JOIN organizations AS holder ON holder.id = reservation.owner_id
    ) AS facts
    WHERE o.id = facts.id AND facts.orgs <> '{}'
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
