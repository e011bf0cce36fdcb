import { type RawBuilder, sql } from "kysely";
import pg from "pg";
import { FORMULA_START_SQL } from "../spreadsheet-cells.js";
import type { Db } from "./database.js";
import { isoText as iso } from "./number-columns.js";
import { numberNameColumns } from "./number-names.js";
import type { Scope } from "./scope.js";
import { type NumberFilters, type NumberSort, selectMatching } from "./search.js";

const whenReserved = (column: string) => `CASE WHEN numbers.reservation_kind IS NOT NULL THEN ${column} END`;
const whenLocked = (column: string) => `CASE WHEN numbers.state = 'locked' THEN ${column} END`;
/** As `numberView`'s timerPolicy (src/api/views.ts): shown while a period timer runs and a policy (not the default) set it. */
const whenTimerPolicy = (column: string) =>
  `CASE WHEN numbers.timer_started_at IS NOT NULL AND (numbers.timer_policy_country IS NOT NULL OR numbers.timer_policy_class IS NOT NULL) THEN ${column} END`;
const whenPending = (column: string) =>
  `CASE WHEN numbers.pending_transition_id IS NOT NULL THEN ${column} END`;
/**
 * Text a person or an upstream system wrote, which a spreadsheet could run as a formula: written
 * with a leading ' (see spreadsheet-cells.ts). Only these columns: the others are numbers, ids,
 * times and names from fixed lists, which never begin that way, and each check costs a regular
 * expression per row.
 */
const text = (expression: string) =>
  `CASE WHEN ${expression} ~ '${FORMULA_START_SQL}' THEN '''' || ${expression} ELSE ${expression} END`;

/** Organisation and site names are text people wrote too: the same guard as `text`. */
const guardedName = (name: RawBuilder<string | null>) =>
  sql<
    string | null
  >`CASE WHEN ${name} ~ ${sql.raw(`'${FORMULA_START_SQL}'`)} THEN '''' || ${name} ELSE ${name} END`;

/**
 * The CSV columns: the number JSON's field names (nested objects flattened with a dot), each
 * written by SQL exactly as `numberView` (src/api/views.ts) shows it, so Postgres itself can
 * write the file; test/inventory/export.test.ts checks the two agree.
 * Capabilities are joined with "|", which the import reads back. `settings` and `pinIsDefault`
 * (call configuration, not inventory) are left out, and so is `allowedActions`: an answer for one
 * key at one moment, not a fact about the number. The names (null here) are the scope's
 * `numberNameColumns`, the same expressions the JSON list runs. Free text is guarded against
 * spreadsheet formulas (`text`).
 */
export const NUMBER_CSV_COLUMNS: readonly (readonly [string, string | null])[] = [
  ["number", "numbers.number"],
  ["state", "numbers.state"],
  ["status", "CASE WHEN numbers.pending_transition_id IS NULL THEN numbers.state ELSE 'pending' END"],
  ["pending.transitionId", "numbers.pending_transition_id::text"],
  ["pending.action", whenPending("numbers.pending_action")],
  ["pending.since", iso(whenPending("numbers.pending_since"))],
  ["ownerId", "numbers.owner_id::text"],
  ["ownerName", null],
  ["subscriptionId", text("numbers.subscription_id")],
  ["endUserId", text("numbers.end_user_id")],
  ["reservation.kind", "numbers.reservation_kind"],
  ["reservation.reservedAt", iso(whenReserved("numbers.reserved_at"))],
  ["reservation.expiresAt", iso(whenReserved("numbers.reservation_expires_at"))],
  ["lock.lockedAt", iso(whenLocked("numbers.locked_at"))],
  ["lock.expiresAt", iso(whenLocked("numbers.lock_expires_at"))],
  ["lock.remark", text(whenLocked("numbers.lock_remark"))],
  ["cooldownUntil", iso("numbers.cooldown_until")],
  ["deletedReason", "numbers.deleted_reason"],
  ["vendor", text("numbers.vendor")],
  ["country", "numbers.country"],
  ["sku", text("numbers.sku")],
  ["capabilities", "array_to_string(numbers.capabilities, '|')"],
  ["routing", text("numbers.routing")],
  ["golden", "numbers.golden::text"],
  ["portedIn", "numbers.ported_in::text"],
  ["visibleToDomain", text("numbers.visible_to_domain")],
  ["partnerId", "numbers.partner_id::text"],
  ["partnerName", null],
  ["siteId", "numbers.site_id::text"],
  ["siteName", null],
  ["rangeName", text("numbers.range_name")],
  ["extension", text("numbers.extension")],
  ["mainNumber", "numbers.main_number::text"],
  ["createdAt", iso("numbers.created_at")],
  ["updatedAt", iso("numbers.updated_at")],
  ["version", "numbers.version::text"],
  ["timerPolicy.country", whenTimerPolicy("numbers.timer_policy_country")],
  ["timerPolicy.class", whenTimerPolicy("numbers.timer_policy_class")],
];

/** Bound values written into the statement text, for COPY, which takes no parameters. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return pg.escapeLiteral(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (value instanceof Date) return pg.escapeLiteral(value.toISOString());
  if (Array.isArray(value)) return `ARRAY[${value.map(literal).join(", ")}]::text[]`;
  throw new Error(`Cannot write ${typeof value} into a COPY statement.`);
}

/**
 * `COPY (SELECT …) TO STDOUT` for the numbers a search selects, in its order. Postgres writes
 * the CSV: a header of the column aliases, RFC 4180 quoting of commas, quotes and line breaks.
 * The query is compiled by Kysely and its parameters are written in as escaped literals; every
 * placeholder is one Kysely made, since no user text reaches the SQL any other way.
 */
export function numbersCsvCopyStatement(
  db: Db,
  scope: Scope,
  filters: NumberFilters,
  sort: NumberSort,
): string {
  const names: Record<string, RawBuilder<string | null>> = numberNameColumns(scope);
  const compiled = selectMatching(db, scope, filters, sort)
    .select(
      NUMBER_CSV_COLUMNS.map(([name, expression]) =>
        (expression === null ? guardedName(names[name]!) : sql.raw(expression)).as(name),
      ),
    )
    .compile();
  const text = compiled.sql.replace(/\$(\d+)/g, (_, index: string) =>
    literal(compiled.parameters[Number(index) - 1]),
  );
  return `COPY (${text}) TO STDOUT WITH (FORMAT csv, HEADER true)`;
}
