import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Db } from "../../src/db/database.js";
import { runPrepared } from "../../src/db/prepared.js";

// Statements sent through runPrepared are parsed once per connection (src/db/prepared.ts).
let db: Db;
let pool: ReturnType<typeof createDatabase>["pool"];
const table = `prepared_${randomBytes(6).toString("hex")}`;

beforeAll(async () => {
  ({ db, pool } = createDatabase({ url: inject("databaseUrl"), poolSize: 1 }));
  await sql`CREATE TABLE ${sql.table(table)} (id int PRIMARY KEY, label text)`.execute(db);
  await sql`INSERT INTO ${sql.table(table)} VALUES (1, 'one'), (2, 'two')`.execute(db);
});
afterAll(async () => {
  await sql`DROP TABLE IF EXISTS ${sql.table(table)}`.execute(db);
  await db.destroy();
});

const byId = (id: number) => sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)} WHERE id = ${id}`;
const preparedOnServer = async () =>
  (
    await sql<{
      name: string;
    }>`SELECT name FROM pg_prepared_statements WHERE statement LIKE ${`%${table}%`}`.execute(db)
  ).rows.map((row) => row.name);

describe("prepared statements", () => {
  it("are prepared once on the connection and answer with each run's values", async () => {
    expect(await runPrepared(db, byId(1))).toEqual([{ id: 1, label: "one" }]);
    expect(await runPrepared(db, byId(2))).toEqual([{ id: 2, label: "two" }]);
    // One connection in the pool: both runs used the one statement it prepared.
    expect(await preparedOnServer()).toHaveLength(1);
    expect(pool.totalCount).toBe(1);
  });

  it("other statements are not prepared", async () => {
    await sql`SELECT label FROM ${sql.table(table)} WHERE id = ${1}`.execute(db);
    expect(await preparedOnServer()).toHaveLength(1);
  });

  it("recover when a migration changes the columns a statement returns: one run fails, the next works", async () => {
    await runPrepared(db, byId(1));
    await sql`ALTER TABLE ${sql.table(table)} ADD COLUMN note text`.execute(db);
    await expect(runPrepared(db, byId(1))).rejects.toMatchObject({ code: "0A000" });
    expect(await runPrepared(db, byId(1))).toEqual([{ id: 1, label: "one", note: null }]);
    expect(await runPrepared(db, byId(2))).toEqual([{ id: 2, label: "two", note: null }]);
  });
});
