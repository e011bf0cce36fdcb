import { sql } from "kysely";
import type { OrganizationFacts } from "../lifecycle/number-state.js";
import type { OrganizationKind } from "../lifecycle/states.js";
import type { Db, Trx } from "./database.js";
import { runPreparedFirst } from "./prepared.js";
import { inScope, type Scope } from "./scope.js";
import type { NewNumberRow, NumberRow, NumberUpdate } from "./tables.js";

const numberInScope = (db: Db, number: string, scope: Scope) =>
  db.selectFrom("numbers").selectAll().where("number", "=", number).where(inScope(scope));

export async function findNumber(db: Db, number: string, scope: Scope): Promise<NumberRow | null> {
  return (await numberInScope(db, number, scope).executeTakeFirst()) ?? null;
}

/** Locks the row until the transaction ends, so two deciders cannot both act on one number. */
export async function lockNumber(trx: Trx, number: string, scope: Scope): Promise<NumberRow | null> {
  return (await numberInScope(trx, number, scope).forUpdate().executeTakeFirst()) ?? null;
}

/**
 * What accepting a transition reads, in one statement: the number in the key's scope, unlocked
 * (the insert that records the transition checks the number's version), with DECISION_FACTS.
 * A prepared statement (prepared.ts): one text per kind of scope.
 */
export async function readNumberForRequest(db: Db, number: string, scope: Scope, ownerId: string | null) {
  const row = await runPreparedFirst(
    db,
    db
      .selectFrom("numbers")
      .leftJoin("organizations as requested_owner", (join) =>
        join.on(sql<string>`requested_owner.id`, "=", sql<string>`${ownerId}::uuid`),
      )
      .selectAll("numbers")
      .select(DECISION_FACTS)
      .where("numbers.number", "=", number)
      .where(inScope(scope)),
  );
  if (!row) return null;
  const { owner_org_id, owner_org_kind, owner_org_partner_id, policy_version, ...numberRow } = row;
  return {
    number: numberRow,
    requestedOwner: requestedOwnerOf(row),
    policyVersion: policy_version,
  };
}

/**
 * What deciding needs besides the number, for the statements that read a number to decide on
 * it: the organisation the request names as owner (joined as `requested_owner`) and the version
 * of the policy set (PolicyCache.atVersion).
 */
export const DECISION_FACTS = [
  "requested_owner.id as owner_org_id",
  "requested_owner.kind as owner_org_kind",
  "requested_owner.partner_id as owner_org_partner_id",
  sql<number>`(SELECT version FROM number_policy_set)`.as("policy_version"),
] as const;

/** The requested owner from a row with DECISION_FACTS; null when the request names none or one that does not exist. */
export function requestedOwnerOf(row: {
  owner_org_id: string | null;
  owner_org_kind: OrganizationKind | null;
  owner_org_partner_id: string | null;
}): OrganizationFacts | null {
  return row.owner_org_id
    ? { id: row.owner_org_id, kind: row.owner_org_kind!, partnerId: row.owner_org_partner_id ?? null }
    : null;
}

export async function existingNumbers(db: Db, numbers: string[]): Promise<Set<string>> {
  if (numbers.length === 0) return new Set();
  const rows = await db
    .selectFrom("numbers")
    .select("number")
    .where("number", "=", sql<string>`ANY(${numbers}::text[])`)
    .execute();
  return new Set(rows.map((row) => row.number));
}

export async function insertNumbers(db: Db, rows: NewNumberRow[]): Promise<NumberRow[]> {
  if (rows.length === 0) return [];
  return db.insertInto("numbers").values(rows).returningAll().execute();
}

/** Changes columns of a number outside its life-cycle (settings, PIN), as one more version of it. */
export async function updateNumber(
  db: Db,
  number: string,
  update: NumberUpdate,
  now: Date,
): Promise<NumberRow> {
  return db
    .updateTable("numbers")
    .set({ ...update, updated_at: now, version: sql<number>`version + 1` })
    .where("number", "=", number)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The assigned numbers of a subscription in the key's scope (or those of `listed`), locked until
 * the transaction ends, in number order.
 */
export async function lockSubscriptionNumbers(
  trx: Trx,
  subscriptionId: string,
  scope: Scope,
  listed: string[] | undefined,
) {
  let query = trx
    .selectFrom("numbers")
    .select(["number", "pending_transition_id", "pending_action"])
    .where("subscription_id", "=", subscriptionId)
    .where("state", "=", "assigned")
    .where(inScope(scope))
    .orderBy("number")
    .forUpdate();
  if (listed) query = query.where("number", "=", sql<string>`ANY(${listed}::text[])`);
  return query.execute();
}

/** Who holds each of `numbers` and whose inventory it is in (for deciding who may hear of it). */
export async function findHolders(db: Db, numbers: string[]) {
  if (numbers.length === 0) return [];
  return db
    .selectFrom("numbers")
    .select(["number", "owner_id", "partner_id"])
    .where("number", "=", sql<string>`ANY(${numbers}::text[])`)
    .execute();
}

/** Writes a decided change (or none) and lifts the pending marker, in the caller's transaction. */
export async function finishPending(
  trx: Trx,
  number: string,
  transitionId: string,
  update: NumberUpdate | null,
  now: Date,
): Promise<NumberRow> {
  const changed = update ? { ...update, updated_at: now, version: sql<number>`version + 1` } : {};
  return trx
    .updateTable("numbers")
    .set({ ...changed, pending_transition_id: null, pending_action: null, pending_since: null })
    .where("number", "=", number)
    .where("pending_transition_id", "=", transitionId)
    .returningAll()
    .executeTakeFirstOrThrow();
}
