import { type Kysely, sql } from "kysely";

// Frozen in time: never import application code here, never edit once landed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Substring search on the number ("6123" anywhere): LIKE '%6123%' through trigrams.
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX numbers_number_trgm ON numbers USING gin (number gin_trgm_ops);

    -- Suffix search ("*4567"): reverse(number) LIKE '7654%'. text_pattern_ops because the
    -- database collation is not C, and a plain btree cannot serve LIKE 'prefix%' under it.
    -- (Prefix search needs no index of its own: it is written as a range on the primary key.)
    CREATE INDEX numbers_number_reversed ON numbers (reverse(number) text_pattern_ops);

    -- Sort keys: every sort is tie-broken by number, so (key, number) serves the ORDER BY and
    -- the keyset seek "(key, number) > (last key, last number)" from one index.
    CREATE INDEX numbers_updated_at ON numbers (updated_at, number);
    CREATE INDEX numbers_created_at ON numbers (created_at, number);

    -- Low-cardinality filters, ordered by number so a filtered page is an index range scan.
    CREATE INDEX numbers_vendor_state ON numbers (vendor, state, number);
    CREATE INDEX numbers_country ON numbers (country, number);
    CREATE INDEX numbers_sku ON numbers (sku, number);

    -- Selective filters: only the rows that carry a value are indexed.
    CREATE INDEX numbers_site_id ON numbers (site_id, number) WHERE site_id IS NOT NULL;
    CREATE INDEX numbers_range_name ON numbers (range_name, number) WHERE range_name IS NOT NULL;
    CREATE INDEX numbers_visible_to_domain ON numbers (visible_to_domain, number)
      WHERE visible_to_domain IS NOT NULL;
    CREATE INDEX numbers_routing ON numbers (routing, number) WHERE routing IS NOT NULL;
    CREATE INDEX numbers_golden ON numbers (number) WHERE golden;
    CREATE INDEX numbers_ported_in ON numbers (number) WHERE ported_in;
    CREATE INDEX numbers_main_number ON numbers (number) WHERE main_number;
    CREATE INDEX numbers_end_user ON numbers (number) WHERE end_user_id IS NOT NULL;
    CREATE INDEX numbers_pending_number ON numbers (number) WHERE pending_transition_id IS NOT NULL;
  `.execute(db);
}
