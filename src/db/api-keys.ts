import type { OrganizationKind, Role } from "../lifecycle/states.js";
import type { Db } from "./database.js";
import { runPreparedFirst } from "./prepared.js";

export interface ApiKeyRecord {
  id: string;
  role: Role;
  organizationId: string | null;
  organizationKind: OrganizationKind | null;
}

export interface NewApiKey {
  id: string;
  keyHash: string;
  role: Role;
  organizationId: string | null;
}

export async function insertApiKey(db: Db, key: NewApiKey) {
  await db
    .insertInto("api_keys")
    .values({ id: key.id, key_hash: key.keyHash, role: key.role, organization_id: key.organizationId })
    .execute();
}

/**
 * The bootstrap key: added once, never changed afterwards. A key that exists (even revoked) is
 * left as it is, so revoking NUMBERS_ADMIN_KEY holds across restarts. Returns the stored row.
 */
export async function ensureBootstrapApiKey(db: Db, key: NewApiKey) {
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

export async function findApiKey(db: Db, keyHash: string): Promise<ApiKeyRecord | null> {
  // Every API request runs this: a prepared statement (prepared.ts).
  const row = await runPreparedFirst(
    db,
    db
      .selectFrom("api_keys")
      .leftJoin("organizations", "organizations.id", "api_keys.organization_id")
      .select(["api_keys.id", "api_keys.role", "api_keys.organization_id", "organizations.kind"])
      .where("api_keys.key_hash", "=", keyHash)
      .where("api_keys.revoked_at", "is", null),
  );
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
