import { sql } from "kysely";
import type { OrganizationKind } from "../lifecycle/states.js";
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

export async function findOrganization(db: Db, id: string): Promise<Organization | null> {
  const row = await db.selectFrom("organizations").selectAll().where("id", "=", id).executeTakeFirst();
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
