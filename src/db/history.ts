import type { HistoryAction } from "../lifecycle/states.js";
import type { Db } from "./database.js";
import { audienceOf, type NumberFacts, type Scope, visibleIn } from "./scope.js";
import type { HistoryRow } from "./tables.js";

export interface HistoryEntry {
  number: string;
  at: Date;
  action: HistoryAction;
  actor: string;
  remark: string | null;
  transitionId: string | null;
  before: unknown;
  after: unknown;
  /** The number's owners and inventory partners before and after: who may read the entry. */
  audience: Pick<NumberFacts, "ownerIds" | "partnerIds">;
}

export const historyValues = (entry: HistoryEntry) => ({
  number: entry.number,
  at: entry.at,
  action: entry.action,
  actor: entry.actor,
  remark: entry.remark,
  transition_id: entry.transitionId,
  // A number's first entry has no before: SQL NULL, not the JSON value null.
  before: entry.before === null ? null : JSON.stringify(entry.before),
  after: JSON.stringify(entry.after),
  visible_to: audienceOf(entry.audience),
});

/** Writes history entries, one statement for them all. */
export async function insertHistory(db: Db, entries: HistoryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.insertInto("number_history").values(entries.map(historyValues)).execute();
}

/**
 * A page of the number's history that `scope` may read (recorded while the number was in it),
 * oldest first: up to `limit` entries after entry `afterId`.
 */
export async function listHistory(
  db: Db,
  number: string,
  scope: Scope,
  page: { afterId?: number; limit: number },
): Promise<HistoryRow[]> {
  let query = db
    .selectFrom("number_history")
    .selectAll()
    .where("number", "=", number)
    .where(visibleIn(scope, "number_history.visible_to"));
  if (page.afterId !== undefined) query = query.where("id", ">", String(page.afterId));
  return query.orderBy("id").limit(page.limit).execute();
}
