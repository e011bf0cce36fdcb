import { type RawBuilder, sql } from "kysely";
import type { Db } from "./database.js";
import { inScope, type Scope } from "./scope.js";
import type { NumberRow } from "./tables.js";

/** A number row with the names behind its ids, as the key that reads it may see them. */
export type NamedNumberRow = NumberRow & {
  owner_name: string | null;
  partner_name: string | null;
  site_name: string | null;
};

/**
 * Whether organisation `alias` is one the scope may see by name: what `GET /v1/organizations` lists
 * for it, plus the organisations its sites show (a partner's occupiers, a customer's operators).
 */
function organizationVisible(scope: Scope, alias: string): RawBuilder<boolean> {
  const org = (column: string) => sql.ref(`${alias}.${column}`);
  switch (scope.kind) {
    case "all":
      return sql<boolean>`true`;
    case "partner":
      return sql<boolean>`(${org("id")} = ${scope.partnerId} OR ${org("partner_id")} = ${scope.partnerId}
        OR EXISTS (SELECT 1 FROM site_occupiers JOIN sites ON sites.id = site_occupiers.site_id
          WHERE site_occupiers.organization_id = ${org("id")} AND sites.operator_id = ${scope.partnerId}))`;
    case "customer":
      return sql<boolean>`(${org("id")} = ${scope.organizationId}
        OR ${org("id")} = (SELECT own.partner_id FROM organizations AS own WHERE own.id = ${scope.organizationId})
        OR EXISTS (SELECT 1 FROM sites JOIN site_occupiers ON site_occupiers.site_id = sites.id
          WHERE sites.operator_id = ${org("id")} AND site_occupiers.organization_id = ${scope.organizationId}))`;
  }
}

/** Whether site `alias` is one the scope may see: what `GET /v1/sites` lists for it. */
function siteVisible(scope: Scope, alias: string): RawBuilder<boolean> {
  const site = (column: string) => sql.ref(`${alias}.${column}`);
  switch (scope.kind) {
    case "all":
      return sql<boolean>`true`;
    case "partner":
      return sql<boolean>`${site("operator_id")} = ${scope.partnerId}`;
    case "customer":
      return sql<boolean>`EXISTS (SELECT 1 FROM site_occupiers
        WHERE site_occupiers.site_id = ${site("id")} AND site_occupiers.organization_id = ${scope.organizationId})`;
  }
}

/**
 * `owner_name`, `partner_name` and `site_name` of a row of `numbers`, as scalar sub-selects: each
 * is evaluated only for the rows a page returns (after its LIMIT), by primary key. A name the key
 * may not see (a number of its inventory held by another partner's customer) reads null, so one
 * partner never learns another's names. The CSV export runs the same expressions inside its COPY.
 */
export function numberNameColumns(scope: Scope) {
  // Guarded by CASE so a number without the id runs no sub-select at all: most numbers are at no
  // site, and the planner reads the small sites table by a scan, which costs even to find nothing.
  const organizationName = (column: string) =>
    sql<string | null>`CASE WHEN ${sql.ref(`numbers.${column}`)} IS NOT NULL THEN
      (SELECT named.name FROM organizations AS named
        WHERE named.id = ${sql.ref(`numbers.${column}`)} AND ${organizationVisible(scope, "named")}) END`;
  return {
    ownerName: organizationName("owner_id"),
    partnerName: organizationName("partner_id"),
    siteName: sql<string | null>`CASE WHEN numbers.site_id IS NOT NULL THEN
      (SELECT named_site.name FROM sites AS named_site
        WHERE named_site.id = numbers.site_id AND ${siteVisible(scope, "named_site")}) END`,
  };
}

/** The name columns for `.select(...)` on a query over `numbers`. */
export function selectNumberNames(scope: Scope) {
  const names = numberNameColumns(scope);
  return [
    names.ownerName.as("owner_name"),
    names.partnerName.as("partner_name"),
    names.siteName.as("site_name"),
  ] as const;
}

/** Numbers in the scope with their names, in the order asked for; absent ones are left out. */
export async function findNumbersWithNames(
  db: Db,
  numbers: string[],
  scope: Scope,
): Promise<NamedNumberRow[]> {
  if (numbers.length === 0) return [];
  const rows = await db
    .selectFrom("numbers")
    .selectAll("numbers")
    .select(selectNumberNames(scope))
    .where("numbers.number", "=", sql<string>`ANY(${numbers}::text[])`)
    .where(inScope(scope))
    .execute();
  const order = new Map(numbers.map((number, position) => [number, position]));
  return rows.sort((a, b) => order.get(a.number)! - order.get(b.number)!);
}

export async function findNumberWithNames(db: Db, number: string, scope: Scope) {
  const [row] = await findNumbersWithNames(db, [number], scope);
  return row ?? null;
}
