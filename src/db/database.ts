import { Kysely, PostgresDialect, sql, type Transaction } from "kysely";
import pg from "pg";
import type { Database } from "./tables.js";

// Bigint counts come back as numbers; every count we take fits in 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

/** The database handle every repository function takes first; a transaction is one too. */
export type Db = Kysely<Database>;
/** A handle inside a transaction: for statements whose row locks must last until it commits. */
export type Trx = Transaction<Database>;

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  /** Fail a query instead of hanging when Postgres is gone (the caller answers 503). */
  connectionTimeoutMillis?: number;
  statementTimeoutMillis?: number;
  /** Hears an idle connection that lost its server (the pool replaces it by itself). */
  onError?: (error: Error) => void;
}

export function createDatabase(options: DatabaseOptions): { db: Db; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    statement_timeout: options.statementTimeoutMillis,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on("error", (error) => options.onError?.(error));
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool };
}

/** One round trip to Postgres: resolves when it answers. */
export async function ping(db: Db): Promise<void> {
  await sql`SELECT 1`.execute(db);
}
