import { type Kysely, sql } from "kysely";

// Frozen in time: never import application code here, never edit once landed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Period overrides per country and number class (docs/policies.md). Platform-wide
    -- configuration: every key may read it, only the platform's operations team replaces it.
    -- position keeps the order the set was sent in.
    CREATE TABLE number_policies (
      position integer PRIMARY KEY,
      country text CHECK (country ~ '^[A-Z]{2}$'),
      number_class text CHECK (number_class IN ('ported_in', 'golden') OR number_class ~ '^sku:.'),
      cooldown_days integer CHECK (cooldown_days BETWEEN 0 AND 3649),
      lock_days integer CHECK (lock_days BETWEEN 0 AND 3649),
      reservation_days integer CHECK (reservation_days BETWEEN 0 AND 3649),
      subscription_expired_days integer CHECK (subscription_expired_days BETWEEN 0 AND 3649),
      subscription_terminated_days integer CHECK (subscription_terminated_days BETWEEN 0 AND 3649),
      swapped_out_days integer CHECK (swapped_out_days BETWEEN 0 AND 3649),
      -- Most specific first: country and class (1-3), class (4-6), country (7); among classes
      -- a SKU, then ported-in, then golden. The sweeps pick a number's cooldown by it.
      precedence smallint NOT NULL GENERATED ALWAYS AS (
        CASE WHEN number_class IS NULL THEN 7
          ELSE CASE WHEN country IS NULL THEN 4 ELSE 1 END
            + CASE WHEN number_class LIKE 'sku:%' THEN 0 WHEN number_class = 'ported_in' THEN 1 ELSE 2 END
        END) STORED,
      CHECK (country IS NOT NULL OR number_class IS NOT NULL),
      UNIQUE NULLS NOT DISTINCT (country, number_class)
    );

    -- One row: bumped with every replacement of the set, so each process can keep the set in
    -- memory and know, from one primary-key read, whether it is still the current one.
    CREATE TABLE number_policy_set (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      version bigint NOT NULL,
      updated_at timestamptz NOT NULL,
      updated_by text
    );
    INSERT INTO number_policy_set (singleton, version, updated_at) VALUES (true, 1, now());

    -- The running timer's start and the policy that set it (both NULL: the configured default).
    -- timer_started_at is NULL when the expiry came from no period (a charged reservation's paid
    -- end, a lock with an explicit until, an imported lock): POST /v1/policies/apply leaves those.
    ALTER TABLE numbers
      ADD COLUMN timer_started_at timestamptz,
      ADD COLUMN timer_policy_country text,
      ADD COLUMN timer_policy_class text;

    -- Reservations running now were all timed by the defaults from the instant they were made.
    -- Locks and cooldowns cannot tell a default period from an explicit one, so they are left.
    UPDATE numbers SET timer_started_at = reserved_at
    WHERE state = 'reserved' AND reserved_at IS NOT NULL AND reservation_expires_at IS NOT NULL
      AND reservation_kind IN ('manual', 'subscription_expired', 'subscription_terminated', 'swapped_out');
  `.execute(db);
}
