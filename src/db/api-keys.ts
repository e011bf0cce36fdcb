import type { OrganizationKind, Role } from "../lifecycle/states.js";
import type { Db } from "./database.js";

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
