import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { constants } from "node:fs";
import { access, copyFile, rename, rm, stat } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Job } from "bullmq";
import cliProgress from "cli-progress";
import type { Dependencies } from "./dependencies.js";
import { withTimeout } from "./queues.js";
import {
  claimImport,
  IMPORT_JOB_OPTIONS,
  type ImportJobResult,
  type ImportPayload,
  resolveImportFiles,
  stageImportFile,
} from "./services/import-job.js";
import { type ImportProgress, type ImportSummary, importNumbersFile } from "./services/import-numbers.js";

/** How long a queued import waits for a worker before the CLI runs it itself. */
const PICKUP_MS = 3_000;

/** A progress bar on stderr (only on a terminal): bytes of the file read, rows, rows/s and ETA. */
function progressBar(totalBytes: number) {
  const bar = new cliProgress.SingleBar(
    {
      format: "importing |{bar}| {percentage}% | {rows} rows | {speed} rows/s | ETA {eta_formatted}",
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(Math.max(totalBytes, 1), 0, { rows: 0, speed: 0 });
  return {
    update(progress: ImportProgress) {
      const seconds = (performance.now() - started) / 1000;
      bar.update(progress.bytes, {
        rows: progress.rows,
        speed: Math.round(progress.rows / Math.max(seconds, 0.001)),
      });
    },
    stop() {
      bar.update(Math.max(totalBytes, 1));
      bar.stop();
    },
  };
}

async function redisReady(deps: Dependencies): Promise<boolean> {
  if (deps.redis.status === "ready") return true;
  try {
    await withTimeout(once(deps.redis, "ready"), 2_000, "connecting to Redis");
    return true;
  } catch {
    return false;
  }
}

/** Follows a job a worker runs, showing its progress, until it ends. */
async function followJob(
  deps: Dependencies,
  importId: string,
  show: (progress: ImportProgress) => void,
): Promise<ImportJobResult> {
  for (;;) {
    const job = await Job.fromId(deps.queues.imports, importId);
    if (!job) throw new Error(`The import job ${importId} is gone from the queue.`);
    const state = await job.getState();
    if (state === "completed") return job.returnvalue as ImportJobResult;
    if (state === "failed") throw new Error(`The import failed: ${job.failedReason}`);
    if (job.progress && typeof job.progress === "object") show(job.progress as unknown as ImportProgress);
    await sleep(250);
  }
}

export interface ImportRequest {
  /** The CSV file as the user named it. */
  file: string;
  /** Where the rejects file ends up (`FILE.csv.rejects.csv` by default). */
  rejectsFile: string;
}

/**
 * Copies the file into the imports folder (NUMBERS_DATA_DIR/imports, the only place an import job
 * reads), runs it as a job, and puts the rejects file where the user asked; the copies in the
 * folder are removed afterwards. The summary names the user's files.
 */
export async function runImport(
  deps: Dependencies,
  request: ImportRequest,
  show: (progress: ImportProgress) => void,
  pickupMs = PICKUP_MS,
): Promise<ImportSummary> {
  const importId = randomUUID();
  const payload = await stageImportFile(
    deps.config,
    importId,
    request.file,
    `import:${basename(request.file)}`,
  );
  const staged = (await resolveImportFiles(deps.config, payload))!;
  try {
    const summary = await runStagedImport(deps, importId, payload, show, pickupMs);
    const rejectsFile = summary.rejectsFile ? await moveFile(staged.rejectsFile, request.rejectsFile) : null;
    return { ...summary, file: request.file, rejectsFile };
  } finally {
    await rm(staged.file, { force: true });
    await rm(staged.rejectsFile, { force: true });
  }
}

async function moveFile(from: string, to: string): Promise<string> {
  await rename(from, to).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EXDEV") throw error;
    await copyFile(from, to); // another file system: copy, and the caller removes the original
  });
  return to;
}

/**
 * Queues the import for a worker; when no worker takes it within a few seconds (or Redis is
 * away, or the worker cannot read the imports folder), runs it in this process. A claim in Redis
 * makes sure exactly one of them runs it.
 */
async function runStagedImport(
  deps: Dependencies,
  importId: string,
  payload: ImportPayload,
  show: (progress: ImportProgress) => void,
  pickupMs: number,
): Promise<ImportSummary> {
  const here = async () => {
    const files = (await resolveImportFiles(deps.config, payload))!;
    return importNumbersFile(deps, { ...files, actor: payload.actor, onProgress: show });
  };
  if (!(await redisReady(deps))) return here();
  const job = await deps.queues.imports.add("import", payload, { ...IMPORT_JOB_OPTIONS, jobId: importId });

  const deadline = performance.now() + pickupMs;
  let state = await job.getState();
  while (state === "waiting" && performance.now() < deadline) {
    await sleep(100);
    state = await job.getState();
  }
  if (state === "waiting" && (await claimImport(deps, importId, `cli:${process.pid}`))) {
    await job.remove().catch(() => {}); // a worker that takes it now finds the claim and steps aside
    return here();
  }
  const result = await followJob(deps, importId, show);
  if (result.status === "done") return result.summary;
  if (result.status === "unreadable" && (await claimImport(deps, importId, `cli:${process.pid}`)))
    return here();
  throw new Error(
    "The worker running this import stopped before it finished. Run the command again: rows already added are skipped.",
  );
}

function printSummary(summary: ImportSummary) {
  const width = 22;
  const line = (label: string, value: string | number) =>
    console.log(`  ${label.padEnd(width)}${typeof value === "number" ? value.toLocaleString("en") : value}`);
  console.log(
    `imported ${summary.file} in ${summary.seconds} s (${summary.rowsPerSecond.toLocaleString("en")} rows/s)`,
  );
  line("rows read", summary.rows);
  line("added", summary.added);
  line("already present", summary.alreadyPresent);
  const refused = Object.entries(summary.refused).sort(([a], [b]) => a.localeCompare(b));
  line(
    "refused",
    refused.reduce((sum, [, count]) => sum + count, 0),
  );
  for (const [code, count] of refused) line(`  ${code}`, count);
  line("rejects", summary.rejectsFile ?? "none");
  if (summary.ignoredColumns.length > 0) line("columns ignored", summary.ignoredColumns.join(", "));
  if (summary.stoppedAtRow !== null)
    line(
      "stopped at row",
      `${summary.stoppedAtRow} (too long: see the rejects file; later rows were not read)`,
    );
}

/** `numbers import FILE.csv [--rejects PATH] [--json]` */
export async function importCommand(deps: Dependencies, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { rejects: { type: "string" }, json: { type: "boolean", default: false } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new Error("import needs exactly one FILE.csv");
  const file = resolve(positionals[0]!);
  await access(file, constants.R_OK).catch(() => {
    throw new Error(`cannot read ${file}`);
  });
  const request: ImportRequest = {
    file,
    rejectsFile: values.rejects ? resolve(values.rejects) : `${file}.rejects.csv`,
  };
  const bar = progressBar((await stat(file)).size);
  let summary: ImportSummary;
  try {
    summary = await runImport(deps, request, (progress) => bar.update(progress));
  } finally {
    bar.stop();
  }
  if (values.json) console.log(JSON.stringify(summary, null, 2));
  else printSummary(summary);
}
