import { type Kysely, sql, type Transaction } from "kysely";
import type { LifecycleFields, NumberSnapshot } from "../lifecycle/number-state.js";
import type { PolicyClass, PolicyKey } from "../lifecycle/policies.js";
import type { Capability, DeleteReason, ReservationKind, State } from "../lifecycle/states.js";
import { inScope, type Scope } from "./scope.js";
import type { Database, NewNumberRow, NumberRow, NumberUpdate } from "./tables.js";

type Db = Kysely<Database> | Transaction<Database>;

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/** A number as the API shows it (CONTRACT "A number as JSON"). */
export function toNumberView(row: NumberRow) {
  return {
    number: row.number,
    state: row.state as State,
    status: row.pending_transition_id ? ("pending" as const) : (row.state as State),
    pending: row.pending_transition_id
      ? {
          transitionId: row.pending_transition_id,
          action: row.pending_action!,
          since: iso(row.pending_since)!,
        }
      : null,
    ownerId: row.owner_id,
    subscriptionId: row.subscription_id,
    endUserId: row.end_user_id,
    reservation: row.reservation_kind
      ? {
          kind: row.reservation_kind as ReservationKind,
          reservedAt: iso(row.reserved_at),
          expiresAt: iso(row.reservation_expires_at),
        }
      : null,
    lock:
      row.state === "locked"
        ? { lockedAt: iso(row.locked_at), expiresAt: iso(row.lock_expires_at), remark: row.lock_remark }
        : null,
    cooldownUntil: iso(row.cooldown_until),
    deletedReason: row.deleted_reason as DeleteReason | null,
    vendor: row.vendor,
    country: row.country,
    sku: row.sku,
    capabilities: row.capabilities as Capability[],
    routing: row.routing,
    golden: row.golden,
    portedIn: row.ported_in,
    visibleToDomain: row.visible_to_domain,
    partnerId: row.partner_id,
    siteId: row.site_id,
    rangeName: row.range_name,
    extension: row.extension,
    mainNumber: row.main_number,
    settings: row.settings,
    pinIsDefault: row.pin_hash === null,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    version: row.version,
    timerPolicy: timerPolicyOf(row),
  };
}
export type NumberView = ReturnType<typeof toNumberView>;

/**
 * The policy whose period set the running timer; null when the configured default did, or when
 * no period set it (docs/policies.md, "Which policy a timer came from").
 */
function timerPolicyOf(row: NumberRow): PolicyKey | null {
  if (!row.timer_started_at || (!row.timer_policy_country && !row.timer_policy_class)) return null;
  return { country: row.timer_policy_country, class: row.timer_policy_class as PolicyClass | null };
}

export function toSnapshot(row: NumberRow): NumberSnapshot {
  return {
    number: row.number,
    state: row.state as State,
    ownerId: row.owner_id,
    subscriptionId: row.subscription_id,
    endUserId: row.end_user_id,
    reservationKind: row.reservation_kind as ReservationKind | null,
    reservedAt: row.reserved_at,
    reservationExpiresAt: row.reservation_expires_at,
    lockedAt: row.locked_at,
    lockExpiresAt: row.lock_expires_at,
    lockRemark: row.lock_remark,
    cooldownUntil: row.cooldown_until,
    deletedReason: row.deleted_reason as DeleteReason | null,
    inServiceSinceAvailable: row.in_service_since_available,
    timerStartedAt: row.timer_started_at,
    timerPolicy: timerPolicyOf(row),
    partnerId: row.partner_id,
    siteId: row.site_id,
    mainNumber: row.main_number,
    country: row.country,
    sku: row.sku,
    portedIn: row.ported_in,
    golden: row.golden,
  };
}

/**
 * The before/after record kept in history and on transitions. The SQL twin, used by set-based
 * sweeps, is `historySnapshotSql`; keep the two in step.
 */
export function historySnapshot(fields: LifecycleFields) {
  return {
    state: fields.state,
    ownerId: fields.ownerId,
    subscriptionId: fields.subscriptionId,
    endUserId: fields.endUserId,
    reservationKind: fields.reservationKind,
    reservationExpiresAt: iso(fields.reservationExpiresAt),
    lockExpiresAt: iso(fields.lockExpiresAt),
    cooldownUntil: iso(fields.cooldownUntil),
    deletedReason: fields.deletedReason,
  };
}
export type HistorySnapshot = ReturnType<typeof historySnapshot>;

/** `historySnapshot` in SQL over a row alias, for statements that change many numbers at once. */
export function historySnapshotSql(alias: string) {
  const column = (name: string) => sql.ref(`${alias}.${name}`);
  const time = (name: string) =>
    sql`to_char(${column(name)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  return sql<unknown>`jsonb_build_object(
    'state', ${column("state")}, 'ownerId', ${column("owner_id")}, 'subscriptionId', ${column("subscription_id")},
    'endUserId', ${column("end_user_id")}, 'reservationKind', ${column("reservation_kind")},
    'reservationExpiresAt', ${time("reservation_expires_at")}, 'lockExpiresAt', ${time("lock_expires_at")},
    'cooldownUntil', ${time("cooldown_until")}, 'deletedReason', ${column("deleted_reason")})`;
}

export function toLifecycleColumns(fields: Partial<LifecycleFields>): NumberUpdate {
  const columns: NumberUpdate = {};
  const set = <K extends keyof NumberUpdate>(key: K, value: NumberUpdate[K] | undefined) => {
    if (value !== undefined) columns[key] = value;
  };
  set("state", fields.state);
  set("owner_id", fields.ownerId);
  set("subscription_id", fields.subscriptionId);
  set("end_user_id", fields.endUserId);
  set("reservation_kind", fields.reservationKind);
  set("reserved_at", fields.reservedAt);
  set("reservation_expires_at", fields.reservationExpiresAt);
  set("locked_at", fields.lockedAt);
  set("lock_expires_at", fields.lockExpiresAt);
  set("lock_remark", fields.lockRemark);
  set("cooldown_until", fields.cooldownUntil);
  set("deleted_reason", fields.deletedReason);
  set("in_service_since_available", fields.inServiceSinceAvailable as never);
  set("timer_started_at", fields.timerStartedAt);
  if (fields.timerPolicy !== undefined) {
    columns.timer_policy_country = fields.timerPolicy?.country ?? null;
    columns.timer_policy_class = fields.timerPolicy?.class ?? null;
  }
  return columns;
}

export async function findNumber(db: Db, number: string, scope: Scope): Promise<NumberRow | null> {
  const row = await db
    .selectFrom("numbers")
    .selectAll()
    .where("number", "=", number)
    .where(inScope(scope))
    .executeTakeFirst();
  return row ?? null;
}

/** Locks the row until the transaction ends, so two deciders cannot both act on one number. */
export async function lockNumber(
  trx: Transaction<Database>,
  number: string,
  scope: Scope,
): Promise<NumberRow | null> {
  const row = await trx
    .selectFrom("numbers")
    .selectAll()
    .where("number", "=", number)
    .where(inScope(scope))
    .forUpdate()
    .executeTakeFirst();
  return row ?? null;
}

export async function existingNumbers(db: Db, numbers: string[]): Promise<Set<string>> {
  if (numbers.length === 0) return new Set();
  const rows = await db.selectFrom("numbers").select("number").where("number", "in", numbers).execute();
  return new Set(rows.map((row) => row.number));
}

export async function insertNumbers(db: Db, rows: NewNumberRow[]): Promise<NumberRow[]> {
  if (rows.length === 0) return [];
  return db.insertInto("numbers").values(rows).returningAll().execute();
}

/** Writes attribute columns of one number (not its life-cycle), counting a new version. */
export async function updateAttributes(
  trx: Transaction<Database>,
  number: string,
  columns: NumberUpdate,
  now: Date,
): Promise<void> {
  await trx
    .updateTable("numbers")
    .set({ ...columns, updated_at: now, version: sql<number>`version + 1` })
    .where("number", "=", number)
    .execute();
}

/** Writes a decided change (or none) and lifts the pending marker, in the caller's transaction. */
export async function finishPending(
  trx: Transaction<Database>,
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
