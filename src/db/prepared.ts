import { createHash } from "node:crypto";
import type { CompiledQuery, QueryExecutorProvider } from "kysely";
import type pg from "pg";
import type { Db } from "./database.js";

/*
 * Prepared statements for the hot path.
 *
 * Accepting and applying a transition runs the same few statements thousands of times a second,
 * and Postgres spent as long planning them as running them (the lock read: 0.39 ms planning
 * against 0.09 ms running; docs/benchmarks.md, "Prepared statements"). A statement run through
 * `runPrepared` is sent by every pooled connection as a named statement: Postgres parses it once
 * per connection and, once five runs show that one generic plan does as well as planning for the
 * values, keeps that plan.
 *
 * Only statements registered here are named, so each connection holds a small, bounded set.
 * Everything else (searches, whose best plan depends on the values; one-off statements) is
 * planned per run as before. A migration that changes the columns a prepared statement returns
 * fails that statement once on each open connection ("cached plan must not change result type");
 * that connection then prepares its statements again under new names, so the caller's retry runs.
 */

/** The most statement texts that get names; a text built from data would otherwise grow it. */
const MAX_NAMED = 64;
const names = new Map<string, string>();

function nameFor(text: string): string | undefined {
  const known = names.get(text);
  if (known || names.size >= MAX_NAMED) return known;
  const name = `numbers_${createHash("sha1").update(text).digest("hex").slice(0, 20)}`;
  names.set(text, name);
  return name;
}

/** Runs `query` as a prepared statement on the connection `db` holds (or takes from its pool). */
export async function runPrepared<R>(
  db: Db,
  query: { compile(executorProvider: QueryExecutorProvider): CompiledQuery<R> },
): Promise<R[]> {
  const compiled = query.compile(db);
  nameFor(compiled.sql);
  return (await db.executeQuery(compiled)).rows;
}

/** The first row `runPrepared` returns, or undefined. */
export async function runPreparedFirst<R>(
  db: Db,
  query: { compile(executorProvider: QueryExecutorProvider): CompiledQuery<R> },
): Promise<R | undefined> {
  return (await runPrepared(db, query))[0];
}

/**
 * Makes `client` send registered statement texts as named statements. Kysely hands every query to
 * `client.query(text, values)`; a registered text goes on as `{ name, text, values }`, which pg
 * parses once per connection.
 */
export function namePreparedStatements(client: pg.ClientBase) {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  // Bumped when the tables changed under this connection's cached plans (see above).
  let generation = 0;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
    const [text, values] = args;
    const name = typeof text === "string" && Array.isArray(values) ? names.get(text) : undefined;
    if (!name) return query(...args);
    const result = query({ name: generation ? `${name}_${generation}` : name, text, values });
    if (result instanceof Promise)
      result.catch((error: { code?: string }) => {
        if (error?.code === "0A000") generation++;
      });
    return result;
  };
}
