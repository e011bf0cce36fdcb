import { type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool, sql } from "kysely";
import type { Capability, NumberStatus, ReservationKind, State } from "../lifecycle/states.js";
import type { Db } from "./database.js";
import { inScope, type Scope } from "./scope.js";
import type { Database } from "./tables.js";

/** A parsed `q`: digits to find anywhere, at the start, or at the end of the number. */
export interface NumberPattern {
  kind: "contains" | "prefix" | "suffix";
  digits: string;
}

/** The filters of `GET /v1/numbers`, already validated; all combine with AND (docs/decisions.md). */
export interface NumberFilters {
  state?: State;
  status?: NumberStatus;
  q?: NumberPattern;
  sku?: string;
  vendor?: string;
  country?: string;
  capability?: Capability;
  routing?: string;
  golden?: boolean;
  portedIn?: boolean;
  visibleToDomain?: string;
  subscriptionId?: string;
  ownerId?: string;
  partnerId?: string;
  siteId?: string;
  rangeName?: string;
  mainNumber?: boolean;
  allocation?: "unallocated" | "operator" | "occupier" | { organizationId: string };
  endUser?: "assigned" | "unassigned";
  reservationKind?: ReservationKind;
  expiresBefore?: Date;
  /** Chosen rows of a download (`numbers=`): only these numbers, ANDed with the other filters. */
  numbers?: string[];
}

type SortType = "text" | "uuid" | "timestamptz" | "boolean" | "integer";
interface SortField {
  /** A column or an expression over `numbers`; fixed strings, never user input. */
  expression: string;
  type: SortType;
  nullable: boolean;
}

const column = (name: string, type: SortType, nullable: boolean): SortField => ({
  expression: `numbers.${name}`,
  type,
  nullable,
});

/**
 * The number-JSON fields a list can be sorted on. Nested fields are shown exactly as the JSON
 * shows them: a reservation's times only while there is a reservation, a lock's only while locked.
 */
export const SORT_FIELDS = {
  number: column("number", "text", false),
  state: column("state", "text", false),
  status: {
    expression: "CASE WHEN numbers.pending_transition_id IS NULL THEN numbers.state ELSE 'pending' END",
    type: "text",
    nullable: false,
  },
  ownerId: column("owner_id", "uuid", true),
  subscriptionId: column("subscription_id", "text", true),
  endUserId: column("end_user_id", "text", true),
  "reservation.kind": column("reservation_kind", "text", true),
  "reservation.reservedAt": {
    expression: "CASE WHEN numbers.reservation_kind IS NOT NULL THEN numbers.reserved_at END",
    type: "timestamptz",
    nullable: true,
  },
  "reservation.expiresAt": {
    expression: "CASE WHEN numbers.reservation_kind IS NOT NULL THEN numbers.reservation_expires_at END",
    type: "timestamptz",
    nullable: true,
  },
  "lock.lockedAt": {
    expression: "CASE WHEN numbers.state = 'locked' THEN numbers.locked_at END",
    type: "timestamptz",
    nullable: true,
  },
  "lock.expiresAt": {
    expression: "CASE WHEN numbers.state = 'locked' THEN numbers.lock_expires_at END",
    type: "timestamptz",
    nullable: true,
  },
  cooldownUntil: column("cooldown_until", "timestamptz", true),
  deletedReason: column("deleted_reason", "text", true),
  vendor: column("vendor", "text", false),
  country: column("country", "text", false),
  sku: column("sku", "text", false),
  routing: column("routing", "text", true),
  golden: column("golden", "boolean", false),
  portedIn: column("ported_in", "boolean", false),
  visibleToDomain: column("visible_to_domain", "text", true),
  partnerId: column("partner_id", "uuid", true),
  siteId: column("site_id", "uuid", true),
  rangeName: column("range_name", "text", true),
  extension: column("extension", "text", true),
  mainNumber: column("main_number", "boolean", false),
  createdAt: column("created_at", "timestamptz", false),
  updatedAt: column("updated_at", "timestamptz", false),
  version: column("version", "integer", false),
} satisfies Record<string, SortField>;
export type SortFieldName = keyof typeof SORT_FIELDS;
export const SORT_FIELD_NAMES = Object.keys(SORT_FIELDS) as SortFieldName[];

export interface NumberSort {
  field: SortFieldName;
  descending: boolean;
}

/** Where the previous page ended: its last row's sort key (as Postgres text) and number. */
export interface SeekPosition {
  key: string | null;
  number: string;
}

/** The smallest string above every string that starts with `prefix` (digits only); null if none. */
function digitsUpperBound(prefix: string): string | null {
  const trimmed = prefix.replace(/9+$/, "");
  if (trimmed === "") return null;
  return `${trimmed.slice(0, -1)}${Number(trimmed.at(-1)) + 1}`;
}

function patternCondition(pattern: NumberPattern): RawBuilder<SqlBool> {
  switch (pattern.kind) {
    case "prefix": {
      // A range, not LIKE '+65%': under a non-C collation only the range can use the primary key.
      const lower = `+${pattern.digits}`;
      const upper = digitsUpperBound(pattern.digits);
      return upper === null
        ? sql<SqlBool>`numbers.number >= ${lower}`
        : sql<SqlBool>`(numbers.number >= ${lower} AND numbers.number < ${`+${upper}`})`;
    }
    case "suffix":
      return matchFirst(
        pattern.digits.length >= 3,
        (alias) =>
          sql<SqlBool>`reverse(${sql.ref(`${alias}.number`)}) LIKE ${`${[...pattern.digits].reverse().join("")}%`}`,
      );
    case "contains":
      return matchFirst(
        pattern.digits.length >= 4,
        (alias) => sql<SqlBool>`${sql.ref(`${alias}.number`)} LIKE ${`%${pattern.digits}%`}`,
      );
  }
}

/**
 * A selective suffix or substring matches a few hundred of a million numbers, but Postgres cannot
 * estimate a LIKE pattern that well: it may walk the sort's index and test every row, finding
 * the hundred it needs only after the whole table. For such patterns the matching numbers are
 * collected first, through their own index, into an array the page is then read from (an
 * uncorrelated sub-select is computed once). Short patterns match too much for that and are left
 * to the planner.
 */
function matchFirst(
  selective: boolean,
  condition: (alias: string) => RawBuilder<SqlBool>,
): RawBuilder<SqlBool> {
  if (!selective) return condition("numbers");
  return sql<SqlBool>`numbers.number = ANY (ARRAY(SELECT matching.number FROM numbers AS matching
    WHERE ${condition("matching")}))`;
}

function allocationCondition(allocation: NonNullable<NumberFilters["allocation"]>): RawBuilder<SqlBool> {
  if (typeof allocation === "object")
    return sql<SqlBool>`(numbers.owner_id = ${allocation.organizationId} AND numbers.site_id IS NOT NULL)`;
  switch (allocation) {
    case "unallocated":
      return sql<SqlBool>`(numbers.site_id IS NOT NULL AND numbers.owner_id IS NULL AND numbers.state <> 'deleted')`;
    case "operator":
      return sql<SqlBool>`EXISTS (SELECT 1 FROM sites
        WHERE sites.id = numbers.site_id AND sites.operator_id = numbers.owner_id)`;
    case "occupier":
      return sql<SqlBool>`EXISTS (SELECT 1 FROM site_occupiers
        WHERE site_occupiers.site_id = numbers.site_id AND site_occupiers.organization_id = numbers.owner_id)`;
  }
}

/** Every given filter, ANDed; no filter selects every row. */
export function matchesFilters(filters: NumberFilters) {
  return (eb: ExpressionBuilder<Database, "numbers">) => {
    const conditions: Expression<SqlBool>[] = [];
    const equal = (name: string, value: unknown) => {
      if (value !== undefined) conditions.push(sql<SqlBool>`${sql.ref(`numbers.${name}`)} = ${value}`);
    };
    equal("state", filters.state);
    if (filters.status === "pending")
      conditions.push(sql<SqlBool>`numbers.pending_transition_id IS NOT NULL`);
    else if (filters.status)
      conditions.push(
        sql<SqlBool>`(numbers.state = ${filters.status} AND numbers.pending_transition_id IS NULL)`,
      );
    if (filters.q) conditions.push(patternCondition(filters.q));
    equal("sku", filters.sku);
    equal("vendor", filters.vendor);
    equal("country", filters.country);
    if (filters.capability)
      conditions.push(sql<SqlBool>`numbers.capabilities @> ARRAY[${filters.capability}]::text[]`);
    equal("routing", filters.routing);
    equal("golden", filters.golden);
    equal("ported_in", filters.portedIn);
    equal("visible_to_domain", filters.visibleToDomain);
    equal("subscription_id", filters.subscriptionId);
    equal("owner_id", filters.ownerId);
    equal("partner_id", filters.partnerId);
    equal("site_id", filters.siteId);
    equal("range_name", filters.rangeName);
    equal("main_number", filters.mainNumber);
    if (filters.allocation) conditions.push(allocationCondition(filters.allocation));
    if (filters.endUser === "assigned") conditions.push(sql<SqlBool>`numbers.end_user_id IS NOT NULL`);
    if (filters.endUser === "unassigned") conditions.push(sql<SqlBool>`numbers.end_user_id IS NULL`);
    equal("reservation_kind", filters.reservationKind);
    if (filters.expiresBefore) {
      // Written per state so each arm can use its partial expiry index (0001).
      const before = filters.expiresBefore;
      conditions.push(sql<SqlBool>`((numbers.state = 'reserved' AND numbers.reservation_expires_at < ${before})
        OR (numbers.state = 'locked' AND numbers.lock_expires_at < ${before}))`);
    }
    if (filters.numbers) conditions.push(sql<SqlBool>`numbers.number = ANY(${filters.numbers}::text[])`);
    return eb.and(conditions);
  };
}

const sortExpression = (sort: NumberSort) => sql.raw(SORT_FIELDS[sort.field].expression);

/**
 * Rows after `after` in the sort order. Ascending puts NULL keys last and descending first (the
 * exact reverse), and rows are compared as (key, number) so one btree on (key, number) serves it.
 */
function seekCondition(sort: NumberSort, after: SeekPosition): RawBuilder<SqlBool> {
  const field = SORT_FIELDS[sort.field];
  if (sort.field === "number")
    return sort.descending
      ? sql<SqlBool>`numbers.number < ${after.number}`
      : sql<SqlBool>`numbers.number > ${after.number}`;
  const key = sortExpression(sort);
  const value = sql`CAST(${after.key} AS ${sql.raw(field.type)})`;
  if (after.key === null)
    return sort.descending
      ? sql<SqlBool>`((${key} IS NULL AND numbers.number < ${after.number}) OR ${key} IS NOT NULL)`
      : sql<SqlBool>`(${key} IS NULL AND numbers.number > ${after.number})`;
  if (sort.descending) return sql<SqlBool>`(${key}, numbers.number) < (${value}, ${after.number})`;
  return field.nullable
    ? sql<SqlBool>`((${key}, numbers.number) > (${value}, ${after.number}) OR ${key} IS NULL)`
    : sql<SqlBool>`(${key}, numbers.number) > (${value}, ${after.number})`;
}

/**
 * The numbers a scope sees that match the filters, in a total order (the sort, then number),
 * optionally after a seek position. Callers choose the columns and the limit.
 */
export function selectMatching(
  db: Db,
  scope: Scope,
  filters: NumberFilters,
  sort: NumberSort,
  after?: SeekPosition,
) {
  const direction = sort.descending ? sql.raw("DESC NULLS FIRST") : sql.raw("ASC NULLS LAST");
  let query = db.selectFrom("numbers").where(inScope(scope)).where(matchesFilters(filters));
  if (after) query = query.where(seekCondition(sort, after));
  if (sort.field !== "number") query = query.orderBy(sql`${sortExpression(sort)} ${direction}`);
  return query.orderBy("numbers.number", sort.descending ? "desc" : "asc");
}

/** The sort key of a row as Postgres text, which casts back to the same value without loss. */
export const sortKeyText = (sort: NumberSort) =>
  sql<string | null>`(${sortExpression(sort)})::text`.as("sort_key");
