import { type Kysely, sql } from "kysely";

// Frozen in time: never import application code here, never edit once landed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- GET /v1/organizations and GET /v1/sites page by (name, id): the seek and the ORDER BY read
    -- one btree range each.
    CREATE INDEX organizations_name ON organizations (name, id);
    CREATE INDEX sites_name ON sites (name, id);

    -- q matches names anywhere, in any case: ILIKE '%…%' through trigrams (pg_trgm, 0003).
    CREATE INDEX organizations_name_trgm ON organizations USING gin (name gin_trgm_ops);
    CREATE INDEX sites_name_trgm ON sites USING gin (name gin_trgm_ops);
  `.execute(db);
}
