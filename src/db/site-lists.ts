import { type ExpressionBuilder, type Kysely, sql } from "kysely";
import type { Scope } from "./scope.js";
import type { Database } from "./tables.js";

/** A site as a list shows it: the names of its operator and of the occupiers the key may see. */
export interface SiteSummary {
  id: string;
  name: string;
  operatorId: string;
  operatorName: string;
  occupiers: { id: string; name: string }[];
  createdAt: Date;
}

/** The sites a scope sees: the platform all; a partner those it operates; a customer those it occupies. */
export function siteInScope(scope: Scope) {
  return (eb: ExpressionBuilder<Database, "sites">) => {
    switch (scope.kind) {
      case "all":
        return sql<boolean>`true`;
      case "partner":
        return eb("sites.operator_id", "=", scope.partnerId);
      case "customer":
        return eb.exists(
          eb
            .selectFrom("site_occupiers")
            .select("site_occupiers.site_id")
            .whereRef("site_occupiers.site_id", "=", "sites.id")
            .where("site_occupiers.organization_id", "=", scope.organizationId),
        );
    }
  };
}

export interface SiteListFilters {
  operatorId?: string;
  /** A LIKE pattern for the name, matched case-insensitively. */
  namePattern?: string;
  id?: string;
}

/** A keyset page of the sites in scope by name then id, with operator and occupier names. */
export async function listSites(
  db: Kysely<Database>,
  scope: Scope,
  filters: SiteListFilters,
  after: { name: string; id: string } | undefined,
  limit: number,
): Promise<SiteSummary[]> {
  let query = db
    .selectFrom("sites")
    .innerJoin("organizations as operator", "operator.id", "sites.operator_id")
    .select([
      "sites.id",
      "sites.name",
      "sites.operator_id",
      "sites.created_at",
      "operator.name as operator_name",
    ])
    .where(siteInScope(scope));
  if (filters.id) query = query.where("sites.id", "=", filters.id);
  if (filters.operatorId) query = query.where("sites.operator_id", "=", filters.operatorId);
  if (filters.namePattern) query = query.where("sites.name", "ilike", filters.namePattern);
  if (after) query = query.where(sql<boolean>`(sites.name, sites.id) > (${after.name}, ${after.id}::uuid)`);
  const rows = await query.orderBy("sites.name").orderBy("sites.id").limit(limit).execute();
  const occupiers = await listOccupierNames(
    db,
    rows.map((row) => row.id),
    scope,
  );
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    operatorId: row.operator_id,
    operatorName: row.operator_name,
    occupiers: occupiers.get(row.id) ?? [],
    createdAt: row.created_at,
  }));
}

/** Occupiers of the given sites by name; a customer sees only itself among them. */
async function listOccupierNames(db: Kysely<Database>, siteIds: string[], scope: Scope) {
  const bySite = new Map<string, { id: string; name: string }[]>();
  if (siteIds.length === 0) return bySite;
  let query = db
    .selectFrom("site_occupiers")
    .innerJoin("organizations", "organizations.id", "site_occupiers.organization_id")
    .select(["site_occupiers.site_id", "organizations.id", "organizations.name"])
    .where("site_occupiers.site_id", "=", sql<string>`ANY(${siteIds}::uuid[])`);
  if (scope.kind === "customer") query = query.where("organizations.id", "=", scope.organizationId);
  for (const row of await query.orderBy("organizations.name").orderBy("organizations.id").execute()) {
    const list = bySite.get(row.site_id) ?? [];
    list.push({ id: row.id, name: row.name });
    bySite.set(row.site_id, list);
  }
  return bySite;
}
