import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { closeHttpAgents, REPO_ROOT } from "./support.js";

const BENCH_DIR = join(REPO_ROOT, "bench");
const RESULTS_DIR = join(BENCH_DIR, "results");

/** A benchmark is a file in bench/ that exports `async function run(): Promise<object>`. */
async function availableBenchmarks(): Promise<string[]> {
  const files = (await readdir(BENCH_DIR)).filter((file) => file.endsWith(".ts") && file !== "run.ts");
  const names: string[] = [];
  for (const file of files.sort()) {
    const text = await readFile(join(BENCH_DIR, file), "utf8");
    if (/export\s+async\s+function\s+run\s*\(/.test(text)) names.push(file.replace(/\.ts$/, ""));
  }
  return names;
}

async function main() {
  const [name] = process.argv.slice(2).filter((arg) => arg !== "--");
  const names = await availableBenchmarks();
  if (!name || !names.includes(name)) {
    if (name) console.error(`No benchmark named "${name}".`);
    console.log(`Usage: npm run bench -- NAME\nAvailable: ${names.join(", ") || "(none)"}`);
    process.exit(name ? 2 : 0);
  }

  const module = (await import(pathToFileURL(join(BENCH_DIR, `${name}.ts`)).href)) as {
    run: () => Promise<object>;
  };
  const startedAt = new Date();
  const result = await module.run();
  const finishedAt = new Date();
  const record = {
    benchmark: name,
    startedAt: startedAt.toISOString(),
    seconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    result,
  };
  const json = JSON.stringify(record, null, 2);
  console.log(json);
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`);
  await writeFile(file, `${json}\n`);
  console.error(`written to ${file}`);
  closeHttpAgents();
  // A benchmark that left a pool or timer behind must not keep the runner alive.
  process.exit(0);
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
