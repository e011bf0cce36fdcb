import { Kysely, PostgresDialect, sql, type Transaction } from "kysely";
import pg from "pg";
import { namePreparedStatements } from "./prepared.js";
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
  /** Opening a connection, or waiting for a free pooled one, fails after this long (default 5 s). */
  connectTimeoutMillis?: number;
  /** Postgres's statement_timeout for every statement on these connections (default 30 s). */
  statementTimeoutMillis?: number;
  /** Postgres ends a transaction left idle this long and frees its locks (default 2 min). */
  idleInTransactionTimeoutMillis?: number;
  /** Hears an idle connection that lost its server (the pool replaces it by itself). */
  onError?: (error: Error) => void;
}

const statementTimeout = (options: Omit<DatabaseOptions, "poolSize">) =>
  options.statementTimeoutMillis ?? 30_000;

/** How long after the statement timeout the client stops waiting for an answer at all. */
export const ANSWER_GRACE_MS = 5_000;

/** Connection settings shared by the pools and the connections made alone (an import's session). */
export function connectionConfig(options: Omit<DatabaseOptions, "poolSize">): pg.ClientConfig {
  return {
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMillis ?? 5_000,
    statement_timeout: statementTimeout(options),
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMillis ?? 120_000,
    keepAlive: true,
  };
}

/**
 * A server that stops answering (stalled, or its machine gone) never trips its own
 * statement_timeout. So every query sent through `client.query(…)` as a promise (all of Kysely's,
 * the sweep lock's) also has a deadline on our side: past it the connection is cut, the query
 * fails as unreachable (the API answers 503), and the pool drops that connection.
 */
export function limitAnswerTime(client: pg.ClientBase, deadlineMs: number) {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
    const result = query(...args);
    if (result instanceof Promise) {
      const timer = setTimeout(() => {
        const error = Object.assign(new Error(`PostgreSQL did not answer within ${deadlineMs} ms`), {
          code: "ETIMEDOUT",
        });
        (
          client as unknown as { connection: { stream: { destroy(error: Error): void } } }
        ).connection.stream.destroy(error);
      }, deadlineMs);
      result.then(
        () => clearTimeout(timer),
        () => clearTimeout(timer),
      );
    }
    return result;
  };
}

/**
 * A client that loses its server while checked out emits "error"; without a listener that would
 * end the process. The query in flight fails on its own, and the pool drops the connection when
 * it comes back, so the listener only has to exist.
 */
export function survivesLostConnection(client: pg.ClientBase) {
  client.on("error", () => {});
}

export function createPool(options: DatabaseOptions): pg.Pool {
  const pool = new pg.Pool({
    ...connectionConfig(options),
    max: options.poolSize,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on("error", (error) => options.onError?.(error));
  pool.on("connect", (client) => {
    survivesLostConnection(client);
    limitAnswerTime(client, statementTimeout(options) + ANSWER_GRACE_MS);
    namePreparedStatements(client);
  });
  return pool;
}

export function createDatabase(options: DatabaseOptions): { db: Db; pool: pg.Pool } {
  const pool = createPool(options);
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool };
}

/** One round trip to Postgres: resolves when it answers. */
export async function ping(db: Db): Promise<void> {
  await sql`SELECT 1`.execute(db);
}
