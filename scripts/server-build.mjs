/**
 * The server as plain JavaScript: src/, workers/ and jobs/ transpiled by esbuild (type-stripping
 * only, one output file per source file, about a second) into `.build/server-<hash of the
 * sources>/`. Running compiled files instead of tsx's on-the-fly loader saves about a tenth of the
 * API's and the worker's CPU per transition (docs/benchmarks.md, "Prepared statements, one lock
 * per batch, compiled JavaScript…").
 *
 * Several processes may start at once (one per role): each builds into its own temporary folder
 * and renames it into place; a loser of the race uses the winner's identical build. Type errors
 * are `npm run typecheck`'s job, not this one's.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const BUILDS = join(ROOT, ".build");
const SOURCES = ["src", "workers", "jobs"];
/** Builds kept beside the current one: a process still running may load a file from its own. */
const KEEP = 3;

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** Builds the server when its sources changed; returns the folder holding workers/main.js. */
export async function ensureServerBuild() {
  const files = SOURCES.flatMap((dir) => filesUnder(join(ROOT, dir))).sort();
  const hash = createHash("sha256");
  for (const file of [...files, join(ROOT, "package-lock.json"), fileURLToPath(import.meta.url)]) {
    hash.update(relative(ROOT, file));
    hash.update(readFileSync(file));
  }
  const target = join(BUILDS, `server-${hash.digest("hex").slice(0, 16)}`);
  if (existsSync(target)) return target;

  const { build } = await import("esbuild");
  const temporary = `${target}.${process.pid}.tmp`;
  await build({
    entryPoints: files.filter((file) => file.endsWith(".ts")),
    outdir: temporary,
    outbase: ROOT,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "warning",
  });
  try {
    renameSync(temporary, target);
  } catch (error) {
    // Another process renamed the same build into place first.
    rmSync(temporary, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
  prune(target);
  return target;
}

function prune(current) {
  const older = readdirSync(BUILDS)
    .filter((name) => /^server-[0-9a-f]{16}$/.test(name) && join(BUILDS, name) !== current)
    .map((name) => join(BUILDS, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const dir of older.slice(KEEP)) rmSync(dir, { recursive: true, force: true });
}
