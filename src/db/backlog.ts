import { sql } from "kysely";
import type { Db } from "./database.js";

export interface BacklogRow {
  kind: "transitions" | "webhook_deliveries";
  count: number;
  oldest: Date | null;
}

/**
 * Work recorded in Postgres and not finished yet, per kind, with its oldest item: pending
 * transitions and pending webhook deliveries, in one statement (read on every metrics scrape).
 */
export async function findBacklog(db: Db): Promise<BacklogRow[]> {
  const { rows } = await sql<BacklogRow>`
    SELECT 'transitions' AS kind, count(*) AS count, min(pending_since) AS oldest
      FROM numbers WHERE pending_transition_id IS NOT NULL
    UNION ALL
    SELECT 'webhook_deliveries', count(*), min(created_at)
      FROM webhook_deliveries WHERE status = 'pending'`.execute(db);
  return rows;
}
