import { type Kysely, sql } from "kysely";

// Frozen in time: never import application code here, never edit once landed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Every index on numbers costs each insert and each non-HOT update; these three no longer
    -- serve a search of their own (docs/benchmarks.md, "What each index on numbers costs").
    -- Suffix search ("*4567") goes through the trigram index as LIKE '%4567': a pattern's end
    -- with no % after it is anchored there.
    DROP INDEX IF EXISTS numbers_number_reversed;
    -- Pending numbers are found through their pending transitions (transitions_pending), so
    -- nothing indexes the marker any more: marking a number pending (the API) and lifting the
    -- marker leave every index alone, and the first can be a HOT update.
    DROP INDEX IF EXISTS numbers_pending;
    DROP INDEX IF EXISTS numbers_pending_number;
    -- Room on each page for the marker's HOT update (new rows only; a VACUUM FULL or a dump and
    -- restore spreads existing rows out, see docs/operations.md).
    ALTER TABLE numbers SET (fillfactor = 90);
  `.execute(db);
}
