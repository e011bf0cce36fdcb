import { sql } from "kysely";
import type { Trx } from "./database.js";
import { type HistoryEntry, historyValues } from "./history.js";
import { runPreparedFirst } from "./prepared.js";
import type { NumberFacts } from "./scope.js";
import type { NumberUpdate } from "./tables.js";
import { finishColumns, type Outcome } from "./transitions.js";

/**
 * Applies a decided change in ONE statement: writes it to the number and lifts the pending
 * marker (the row's only rewrite of the transition), adds the history entry and finishes the
 * transition. Returns the finished transition and what the hunt-group effects need of the number.
 * Throws when the number is no longer pending on this transition (it was locked so, so never).
 */
export async function applyToNumber(
  trx: Trx,
  change: { number: string; transitionId: string; update: NumberUpdate; now: Date },
  outcome: Outcome,
  facts: NumberFacts,
  history: HistoryEntry,
) {
  const { number, transitionId, update, now } = change;
  // A prepared statement (prepared.ts): one text per set of columns an action changes.
  const row = await runPreparedFirst(
    trx,
    trx
      .with("changed", (db) =>
        db
          .updateTable("numbers")
          .set({
            ...update,
            updated_at: now,
            version: sql<number>`version + 1`,
            pending_transition_id: null,
            pending_action: null,
            pending_since: null,
          })
          .where("number", "=", number)
          .where("pending_transition_id", "=", transitionId)
          .returning(["number", "owner_id", "site_id", "main_number"]),
      )
      .with("history", (db) => db.insertInto("number_history").values(historyValues(history)))
      .updateTable("transitions")
      .from("changed")
      .set(finishColumns(outcome, facts))
      .where("transitions.id", "=", transitionId)
      .returningAll("transitions")
      .returning(["changed.owner_id as number_owner_id", "changed.site_id as number_site_id"])
      .returning("changed.main_number as number_main_number"),
  );
  if (!row) throw new Error(`Number ${number} is not pending on transition ${transitionId}`);
  const { number_owner_id, number_site_id, number_main_number, ...transition } = row;
  return {
    transition,
    number: { number, owner_id: number_owner_id, site_id: number_site_id, main_number: number_main_number },
  };
}
