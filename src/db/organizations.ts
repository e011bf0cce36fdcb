import type { OrganizationKind, Role } from "../lifecycle/states.js";
import type { Db } from "./database.js";
import type { OrganizationRow } from "./tables.js";

export interface Organization {
  id: string;
  name: string;
  kind: OrganizationKind;
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
    kind: row.kind,
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
export async function insertOrganization(db: Db, id: string, fields: OrganizationFields, now: Date) {
  const row = await db
    .insertInto("organizations")
    .values({ id, ...toColumns(fields), created_at: now, updated_at: now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toOrganization(row);
}

export async function findOrganization(db: Db, id: string): Promise<Organization | null> {
  const row = await db.selectFrom("organizations").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toOrganization(row) : null;
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

export interface ApiKeyRecord {
  id: string;
  role: Role;
  organizationId: string | null;
  organizationKind: OrganizationKind | null;
}

export async function insertApiKey(
  db: Db,
  key: { id: string; keyHash: string; role: Role; organizationId: string | null },
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

export async function findApiKey(db: Db, keyHash: string): Promise<ApiKeyRecord | null> {
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

export async function revokeApiKey(db: Db, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable("api_keys")
    .set({ revoked_at: now })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
