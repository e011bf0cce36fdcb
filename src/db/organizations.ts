import { type Kysely, sql } from "kysely";
import { isAnyOf } from "./array-parameters.js";
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

export async function findOrganization(
  db: Kysely<Database>,
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

/** The ids among `ids` that name partner organisations. */
export async function findPartnerIds(db: Kysely<Database>, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom("organizations")
    .select("id")
    .where(isAnyOf("id", ids, "uuid"))
    .where("kind", "=", "partner")
    .execute();
  return new Set(rows.map((row) => row.id));
}

/** What depends on an organisation's kind: its keys' scope, its customers, numbers and sites. */
export interface OrganizationDependents {
  apiKeys: number;
  customers: number;
  inventoryNumbers: boolean;
  heldNumbers: boolean;
  sites: boolean;
}

export async function findOrganizationDependents(
  db: Kysely<Database>,
  id: string,
): Promise<OrganizationDependents> {
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

export interface NewApiKey {
  id: string;
  keyHash: string;
  role: string;
  organizationId: string | null;
}

export async function insertApiKey(db: Kysely<Database>, key: NewApiKey) {
  await db
    .insertInto("api_keys")
    .values({ id: key.id, key_hash: key.keyHash, role: key.role, organization_id: key.organizationId })
    .execute();
}

/**
 * The bootstrap key: added once, never changed afterwards. A key that exists (even revoked) is
 * left as it is, so revoking NUMBERS_ADMIN_KEY holds across restarts. Returns the stored row.
 */
export async function ensureBootstrapApiKey(db: Kysely<Database>, key: NewApiKey) {
  await db
    .insertInto("api_keys")
    .values({ id: key.id, key_hash: key.keyHash, role: key.role, organization_id: key.organizationId })
    .onConflict((conflict) => conflict.column("key_hash").doNothing())
    .execute();
  return db
    .selectFrom("api_keys")
    .select(["id", "role", "revoked_at"])
    .where("key_hash", "=", key.keyHash)
    .executeTakeFirstOrThrow();
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
