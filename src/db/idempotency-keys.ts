import type { Db, Trx } from "./database.js";

export async function findIdempotencyKey(db: Db, apiKeyId: string, key: string, notBefore: Date) {
  return (
    (await db
      .selectFrom("idempotency_keys")
      .selectAll()
      .where("api_key_id", "=", apiKeyId)
      .where("key", "=", key)
      .where("created_at", ">=", notBefore)
      .executeTakeFirst()) ?? null
  );
}

/**
 * Records the key with the transition it produced. A concurrent request with the same key hits
 * the primary key and fails with 23505; the caller then answers from the winner's row.
 */
export async function saveIdempotencyKey(
  trx: Trx,
  entry: {
    apiKeyId: string;
    key: string;
    requestHash: string;
    transitionId: string;
    createdAt: Date;
    notBefore: Date;
  },
) {
  await trx
    .deleteFrom("idempotency_keys")
    .where("api_key_id", "=", entry.apiKeyId)
    .where("key", "=", entry.key)
    .where("created_at", "<", entry.notBefore)
    .execute();
  await trx
    .insertInto("idempotency_keys")
    .values({
      api_key_id: entry.apiKeyId,
      key: entry.key,
      request_hash: entry.requestHash,
      transition_id: entry.transitionId,
      created_at: entry.createdAt,
    })
    .execute();
}

export async function deleteExpiredIdempotencyKeys(db: Db, before: Date) {
  await db.deleteFrom("idempotency_keys").where("created_at", "<", before).execute();
}
