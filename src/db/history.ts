import type { HistoryAction } from "../lifecycle/states.js";
import type { Db } from "./database.js";
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
});

/** Writes history entries, one statement for them all. */
export async function insertHistory(db: Db, entries: HistoryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db.insertInto("number_history").values(entries.map(historyValues)).execute();
}

/** A number's history, oldest first. */
export async function listHistory(db: Db, number: string): Promise<HistoryRow[]> {
  return db.selectFrom("number_history").selectAll().where("number", "=", number).orderBy("id").execute();
}
