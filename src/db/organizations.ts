import { type ExpressionBuilder, sql } from "kysely";
import type { OrganizationKind } from "../lifecycle/states.js";
import type { Db } from "./database.js";
import type { Scope } from "./scope.js";
import type { Database, OrganizationRow } from "./tables.js";

export interface Organization {
  id: string;
  name: string;
  kind: OrganizationKind;
  billingEmail: string;
  ownerEmail: string;
  supportEmail: string | null;
  partnerId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type OrganizationFields = Omit<Organization, "id" | "createdAt" | "updatedAt">;

export function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    billingEmail: row.billing_email,
    ownerEmail: row.owner_email,
    supportEmail: row.support_email,
    partnerId: row.partner_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toColumns<F extends Partial<OrganizationFields>>(fields: F) {
  return {
    name: fields.name as F["name"],
    kind: fields.kind as F["kind"],
    billing_email: fields.billingEmail as F["billingEmail"],
    owner_email: fields.ownerEmail as F["ownerEmail"],
    support_email: fields.supportEmail,
    partner_id: fields.partnerId,
  };
}
export async function insertOrganization(db: Db, id: string, fields: OrganizationFields, now: Date) {
  const row = await db
    .insertInto("organizations")
    .values({ id, ...toColumns(fields), created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toOrganization(row);
}

export async function findOrganization(
  db: Db,
  id: string,
  lock?: "update" | "share",
): Promise<Organization | null> {
  let query = db.selectFrom("organizations").selectAll().where("id", "=", id);
  // Inside a transaction: "update" while its kind may change, "share" while something comes to
  // depend on its kind (a key, a customer), so the two cannot cross.
  if (lock === "update") query = query.forUpdate();
  if (lock === "share") query = query.forShare();
  const row = await query.executeTakeFirst();
  return row ? toOrganization(row) : null;
}

/** The organisations among `ids` that exist, by id. */
export async function findOrganizations(db: Db, ids: readonly string[]): Promise<Map<string, Organization>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db
    .selectFrom("organizations")
    .selectAll()
    .where("id", "=", sql<string>`ANY(${unique}::uuid[])`)
    .execute();
  return new Map(rows.map((row) => [row.id, toOrganization(row)]));
}

/** What depends on an organisation's kind: its keys' scope, its customers, numbers and sites. */
export interface OrganizationDependents {
  apiKeys: number;
  customers: number;
  inventoryNumbers: boolean;
  heldNumbers: boolean;
  sites: boolean;
}

export async function findOrganizationDependents(db: Db, id: string): Promise<OrganizationDependents> {
  const { rows } = await sql<OrganizationDependents>`
    SELECT
      (SELECT count(*) FROM api_keys WHERE organization_id = ${id} AND revoked_at IS NULL) AS "apiKeys",
      (SELECT count(*) FROM organizations WHERE partner_id = ${id}) AS customers,
      EXISTS (SELECT 1 FROM numbers WHERE partner_id = ${id}) AS "inventoryNumbers",
      EXISTS (SELECT 1 FROM numbers WHERE owner_id = ${id}) AS "heldNumbers",
      (EXISTS (SELECT 1 FROM sites WHERE operator_id = ${id})
        OR EXISTS (SELECT 1 FROM site_occupiers WHERE organization_id = ${id})) AS sites`.execute(db);
  return rows[0]!;
}

export async function updateOrganization(
  db: Db,
  id: string,
  fields: Partial<OrganizationFields>,
  now: Date,
): Promise<Organization | null> {
  const row = await db
    .updateTable("organizations")
    .set({ ...toColumns(fields), updated_at: now })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
  return row ? toOrganization(row) : null;
}

/**
 * The organisations a scope may list: the platform all; a partner itself and its customers; a
 * customer only itself.
 */
export function organizationInScope(scope: Scope) {
  return (eb: ExpressionBuilder<Database, "organizations">) => {
    switch (scope.kind) {
      case "all":
        return sql<boolean>`true`;
      case "partner":
        return eb.or([
          eb("organizations.id", "=", scope.partnerId),
          eb("organizations.partner_id", "=", scope.partnerId),
        ]);
      case "customer":
        return eb("organizations.id", "=", scope.organizationId);
    }
  };
}

export async function findOrganizationInScope(db: Db, id: string, scope: Scope) {
  const row = await db
    .selectFrom("organizations")
    .selectAll()
    .where("id", "=", id)
    .where(organizationInScope(scope))
    .executeTakeFirst();
  return row ? toOrganization(row) : null;
}

export interface OrganizationListFilters {
  kind?: Organization["kind"];
  partnerId?: string;
  /** A LIKE pattern for the name, matched case-insensitively. */
  namePattern?: string;
}

/** A keyset page of the organisations in scope, by name then id; `limit` rows at most. */
export async function listOrganizations(
  db: Db,
  scope: Scope,
  filters: OrganizationListFilters,
  after: { name: string; id: string } | undefined,
  limit: number,
): Promise<Organization[]> {
  let query = db.selectFrom("organizations").selectAll().where(organizationInScope(scope));
  if (filters.kind) query = query.where("kind", "=", filters.kind);
  if (filters.partnerId) query = query.where("partner_id", "=", filters.partnerId);
  if (filters.namePattern) query = query.where("name", "ilike", filters.namePattern);
  if (after) query = query.where(sql<boolean>`(name, id) > (${after.name}, ${after.id}::uuid)`);
  const rows = await query.orderBy("name").orderBy("id").limit(limit).execute();
  return rows.map(toOrganization);
}
