import { type ExpressionBuilder, type Kysely, sql } from "kysely";
import type { Scope } from "./scope.js";
import type { Database, OrganizationRow } from "./tables.js";

export interface Organization {
  id: string;
  name: string;
  kind: "customer" | "partner";
  billingEmail: string;
  ownerEmail: string;
  supportEmail: string | null;
  partnerId: string | null;
  createdAt: string;
  updatedAt: string;
}

export type OrganizationFields = Omit<Organization, "id" | "createdAt" | "updatedAt">;

export function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as Organization["kind"],
    billingEmail: row.billing_email,
    ownerEmail: row.owner_email,
    supportEmail: row.support_email,
    partnerId: row.partner_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
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
export async function insertOrganization(
  db: Kysely<Database>,
  id: string,
  fields: OrganizationFields,
  now: Date,
) {
  const row = await db
    .insertInto("organizations")
    .values({ id, ...toColumns(fields), created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toOrganization(row);
}

export async function findOrganization(db: Kysely<Database>, id: string): Promise<Organization | null> {
  const row = await db.selectFrom("organizations").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toOrganization(row) : null;
}

export async function updateOrganization(
  db: Kysely<Database>,
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

export interface ApiKeyRecord {
  id: string;
  role: string;
  organizationId: string | null;
  organizationKind: string | null;
}

export async function insertApiKey(
  db: Kysely<Database>,
  key: { id: string; keyHash: string; role: string; organizationId: string | null },
) {
  await db
    .insertInto("api_keys")
    .values({ id: key.id, key_hash: key.keyHash, role: key.role, organization_id: key.organizationId })
    .onConflict((conflict) =>
      conflict
        .column("key_hash")
        .doUpdateSet({ role: key.role, organization_id: key.organizationId, revoked_at: null }),
    )
    .execute();
}

export async function findApiKey(db: Kysely<Database>, keyHash: string): Promise<ApiKeyRecord | null> {
  const row = await db
    .selectFrom("api_keys")
    .leftJoin("organizations", "organizations.id", "api_keys.organization_id")
    .select(["api_keys.id", "api_keys.role", "api_keys.organization_id", "organizations.kind"])
    .where("api_keys.key_hash", "=", keyHash)
    .where("api_keys.revoked_at", "is", null)
    .executeTakeFirst();
  return row
    ? { id: row.id, role: row.role, organizationId: row.organization_id, organizationKind: row.kind }
    : null;
}

export async function revokeApiKey(db: Kysely<Database>, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable("api_keys")
    .set({ revoked_at: now })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
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

export async function findOrganizationInScope(db: Kysely<Database>, id: string, scope: Scope) {
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
  db: Kysely<Database>,
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
