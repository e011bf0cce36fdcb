/**
 * Builds the web console (console/ → console/dist/) when its sources changed since the last
 * build: type-checks it against the generated API types, bundles it with Vite, pre-compresses
 * the assets and refuses a JavaScript bundle over the budget. `npm start` and `npm test` run
 * this first, so a fresh clone needs no extra command; `npm run build:console` forces it.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { brotliCompressSync, gzipSync } from "node:zlib";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const SOURCE = join(ROOT, "console");
export const DIST = join(SOURCE, "dist");
const STAMP = join(DIST, ".source-hash");

/** The console's first load must stay light: gzipped JavaScript above this fails the build. */
export const JS_BUDGET_BYTES = 300 * 1024;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === DIST ? [] : filesUnder(path);
    return [path];
  });
}

/** What the output depends on: the console's files, the locked dependency versions, this script. */
function sourceHash(): string {
  const hash = createHash("sha256");
  const inputs = [...filesUnder(SOURCE), join(ROOT, "package-lock.json"), fileURLToPath(import.meta.url)];
  for (const file of inputs.sort()) {
    hash.update(relative(ROOT, file));
    hash.update(readFileSync(file));
  }
  return hash.digest("hex");
}

export interface BundleSize {
  file: string;
  bytes: number;
  gzipBytes: number;
}

/** The built JavaScript files with their raw and gzipped sizes. */
export function measureBundle(): BundleSize[] {
  const assets = join(DIST, "assets");
  return readdirSync(assets)
    .filter((file) => file.endsWith(".js"))
    .map((file) => {
      const content = readFileSync(join(assets, file));
      return { file, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
    });
}

/** Serving compressed copies saves the server compressing the same bytes on every load. */
function precompress() {
  const assets = join(DIST, "assets");
  for (const file of readdirSync(assets)) {
    if (!/\.(js|css|svg)$/.test(file)) continue;
    const content = readFileSync(join(assets, file));
    writeFileSync(join(assets, `${file}.gz`), gzipSync(content, { level: 9 }));
    writeFileSync(join(assets, `${file}.br`), brotliCompressSync(content));
  }
}

function typeCheck() {
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const result = spawnSync(process.execPath, [tsc, "--noEmit", "-p", join(SOURCE, "tsconfig.json")], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (result.status !== 0)
    throw new Error(`The console does not type-check:\n${result.stdout}${result.stderr}`);
}

export async function buildConsole(options: { force?: boolean; log?: (message: string) => void } = {}) {
  const log = options.log ?? ((message: string) => console.error(message));
  const hash = sourceHash();
  const built =
    existsSync(join(DIST, "index.html")) && existsSync(STAMP) && readFileSync(STAMP, "utf8") === hash;
  if (built && !options.force) return;
  if (!existsSync(join(ROOT, "node_modules", "vite"))) {
    if (existsSync(join(DIST, "index.html"))) return; // an install without the build tools serves what it has
    throw new Error("The console cannot be built: its build tools are missing (run `npm ci`).");
  }
  log("numbers: building the console (console/ → console/dist/)…");
  typeCheck();
  const { build } = await import("vite");
  await build({ configFile: join(SOURCE, "vite.config.ts"), logLevel: "warn" });
  const sizes = measureBundle();
  const gzipBytes = sizes.reduce((sum, size) => sum + size.gzipBytes, 0);
  if (gzipBytes > JS_BUDGET_BYTES)
    throw new Error(
      `The console's JavaScript is ${Math.round(gzipBytes / 1024)} kB gzipped, over the ${JS_BUDGET_BYTES / 1024} kB budget.`,
    );
  precompress();
  writeFileSync(STAMP, hash);
  log(`numbers: console built (JavaScript ${Math.round(gzipBytes / 1024)} kB gzipped)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildConsole({ force: process.argv.includes("--force") }).catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
