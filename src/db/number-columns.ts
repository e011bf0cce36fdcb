import { type RawBuilder, sql } from "kysely";
import type { LifecycleFields, NumberChange, NumberSnapshot } from "../lifecycle/number-state.js";
import type { PolicyClass, PolicyKey } from "../lifecycle/policies.js";
import type { NumberRow, NumberUpdate } from "./tables.js";

type SqlType = "text" | "uuid" | "timestamptz" | "boolean";

/**
 * Where each life-cycle field lives and its SQL type: the one mapping between the pure rules'
 * fields and the `numbers` table. A change's columns, the SQL of a set-based change and the
 * history snapshot (in TypeScript and in SQL) are all derived from it. `timerPolicy` is the one
 * field kept in two columns (`timerPolicyColumns`).
 */
const LIFECYCLE_COLUMNS = {
  state: ["state", "text"],
  ownerId: ["owner_id", "uuid"],
  subscriptionId: ["subscription_id", "text"],
  endUserId: ["end_user_id", "text"],
  reservationKind: ["reservation_kind", "text"],
  reservedAt: ["reserved_at", "timestamptz"],
  reservationExpiresAt: ["reservation_expires_at", "timestamptz"],
  lockedAt: ["locked_at", "timestamptz"],
  lockExpiresAt: ["lock_expires_at", "timestamptz"],
  lockRemark: ["lock_remark", "text"],
  cooldownUntil: ["cooldown_until", "timestamptz"],
  deletedReason: ["deleted_reason", "text"],
  inServiceSinceAvailable: ["in_service_since_available", "boolean"],
  timerStartedAt: ["timer_started_at", "timestamptz"],
} as const satisfies Record<
  Exclude<keyof LifecycleFields, "timerPolicy">,
  readonly [keyof NumberRow, SqlType]
>;

type LifecycleField = keyof typeof LIFECYCLE_COLUMNS;
export type LifecycleColumn = (typeof LIFECYCLE_COLUMNS)[LifecycleField][0];

const SQL_TYPES = new Map<string, SqlType>([
  ...Object.values(LIFECYCLE_COLUMNS),
  ["timer_policy_country", "text"],
  ["timer_policy_class", "text"],
]);

/** The policy that set a running timer, as its two columns (both null: the default, or no timer). */
const timerPolicyColumns = (policy: PolicyKey | null) => ({
  timer_policy_country: policy?.country ?? null,
  timer_policy_class: policy?.class ?? null,
});

/**
 * The policy whose period set the running timer; null when the configured default did, or when
 * no period set it (docs/policies.md, "Which policy a timer came from").
 */
export function timerPolicyOf(row: NumberRow): PolicyKey | null {
  if (!row.timer_started_at || (!row.timer_policy_country && !row.timer_policy_class)) return null;
  return { country: row.timer_policy_country, class: row.timer_policy_class as PolicyClass | null };
}

/** The fields history keeps before and after each change (docs/domain.md#history). */
const SNAPSHOT_FIELDS = [
  "state",
  "ownerId",
  "subscriptionId",
  "endUserId",
  "reservationKind",
  "reservationExpiresAt",
  "lockExpiresAt",
  "cooldownUntil",
  "deletedReason",
] as const satisfies readonly LifecycleField[];

export const columnOf = (field: LifecycleField): LifecycleColumn => LIFECYCLE_COLUMNS[field][0];

/** An instant in SQL text as the API writes it (`Date.toISOString()`): UTC, milliseconds, "Z". */
export const isoText = (expression: string) =>
  `to_char((${expression}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export function toSnapshot(row: NumberRow): NumberSnapshot {
  return {
    number: row.number,
    state: row.state,
    ownerId: row.owner_id,
    subscriptionId: row.subscription_id,
    endUserId: row.end_user_id,
    reservationKind: row.reservation_kind,
    reservedAt: row.reserved_at,
    reservationExpiresAt: row.reservation_expires_at,
    lockedAt: row.locked_at,
    lockExpiresAt: row.lock_expires_at,
    lockRemark: row.lock_remark,
    cooldownUntil: row.cooldown_until,
    deletedReason: row.deleted_reason,
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

/** The before/after record kept in history and on transitions; instants as ISO strings. */
export function historySnapshot(fields: LifecycleFields): Record<string, unknown> {
  return Object.fromEntries(
    SNAPSHOT_FIELDS.map((field) => {
      const value = fields[field];
      return [field, value instanceof Date ? value.toISOString() : value];
    }),
  );
}

/** `historySnapshot` in SQL over a row alias, for statements that change many numbers at once. */
export function historySnapshotSql(alias: string): RawBuilder<unknown> {
  const entries = SNAPSHOT_FIELDS.map((field) => {
    const [column, type] = LIFECYCLE_COLUMNS[field];
    const value =
      type === "timestamptz" ? sql.raw(isoText(`${alias}.${column}`)) : sql.ref(`${alias}.${column}`);
    return sql`${sql.lit(field)}, ${value}`;
  });
  return sql`jsonb_build_object(${sql.join(entries, sql`, `)})`;
}

/** The columns a change writes: its life-cycle fields, and the settings and PIN it clears. */
export function changeColumns(change: NumberChange): NumberUpdate {
  const { timerPolicy, ...fields } = change.fields;
  const columns: Record<string, unknown> = timerPolicy === undefined ? {} : timerPolicyColumns(timerPolicy);
  for (const [field, value] of Object.entries(fields))
    if (value !== undefined) columns[columnOf(field as LifecycleField)] = value;
  if (change.effects.includes("clear_settings")) columns.settings = "{}";
  if (change.effects.includes("reset_pin")) columns.pin_hash = null;
  return columns as NumberUpdate;
}

const sameValue = (a: unknown, b: unknown) =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;

/**
 * The SET list of an UPDATE over the row alias `alias` that makes `whenTrue` where `when` holds
 * and `whenFalse` elsewhere: the pure change written as SQL, so a sweep cannot drift from the rule.
 * Columns the two changes agree on are plain assignments; the others become a CASE.
 */
export function changeSetSql(
  alias: string,
  choice: {
    when: RawBuilder<boolean>;
    whenTrue: NumberChange;
    whenFalse: NumberChange;
    /** Columns whose `whenTrue` value each row computes itself (a period that differs per number). */
    perRowWhenTrue?: Record<string, RawBuilder<unknown>>;
  },
): RawBuilder<unknown> {
  for (const change of [choice.whenTrue, choice.whenFalse])
    if (change.effects.some((effect) => effect === "join_hunt_group" || effect === "leave_hunt_group"))
      throw new Error("A set-based change cannot carry hunt-group effects.");
  const ifTrue: Record<string, unknown> = changeColumns(choice.whenTrue);
  const ifFalse: Record<string, unknown> = changeColumns(choice.whenFalse);
  const perRow = choice.perRowWhenTrue ?? {};
  for (const name of Object.keys(perRow))
    if (!(name in ifTrue)) throw new Error(`The change does not write ${name}, so no row can compute it.`);
  const names = [...new Set([...Object.keys(ifTrue), ...Object.keys(ifFalse)])];
  const assignments = names.map((name) => {
    const [a, b] = [ifTrue[name], ifFalse[name]];
    if (!(name in perRow) && name in ifTrue && name in ifFalse && sameValue(a, b))
      return sql`${sql.ref(name)} = ${a}`;
    const current = sql.ref(`${alias}.${name}`);
    const type = sql.raw(SQL_TYPES.get(name) ?? "text");
    const value = (side: Record<string, unknown>) =>
      name in side ? sql`CAST(${side[name]} AS ${type})` : current;
    const whenTrue = perRow[name] ? sql`CAST(${perRow[name]} AS ${type})` : value(ifTrue);
    return sql`${sql.ref(name)} = CASE WHEN ${choice.when} THEN ${whenTrue} ELSE ${value(ifFalse)} END`;
  });
  return sql.join(assignments, sql`, `);
}
