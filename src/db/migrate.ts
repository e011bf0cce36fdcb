import { readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
  Migrator,
} from "kysely";

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "migrations");

/** Loads `NNNN-what.ts` files in name order. */
class MigrationFolder implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(MIGRATIONS_DIR)).filter((file) => /^\d{4}-.+\.(ts|js)$/.test(file)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      migrations[file.replace(/\.(ts|js)$/, "")] = await import(
        pathToFileURL(join(MIGRATIONS_DIR, file)).href
      );
    }
    return migrations;
  }
}

/** Applies pending migrations; Kysely takes an advisory lock so concurrent starters wait in turn. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  return appliedNames(await new Migrator({ db, provider: new MigrationFolder() }).migrateToLatest());
}

function appliedNames({ error, results }: MigrationResultSet): string[] {
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? [])
    .filter((result) => result.status === "Success")
    .map((result) => result.migrationName);
}

/** Applies the migrations before `name`: a database as it was when `name` was written (tests, benchmarks). */
export async function migrateToJustBefore(db: Kysely<unknown>, name: string): Promise<void> {
  const names = Object.keys(await new MigrationFolder().getMigrations());
  const index = names.indexOf(name);
  if (index < 1) throw new Error(`No migration comes before ${name}.`);
  await migrateTo(db, names[index - 1]!);
}

/**
 * Applies the pending migrations up to and including `name`, not those after it, so a test or
 * benchmark of one migration stays about that migration when later ones land. Returns the applied.
 */
export async function migrateTo(db: Kysely<unknown>, name: string): Promise<string[]> {
  return appliedNames(await new Migrator({ db, provider: new MigrationFolder() }).migrateTo(name));
}
