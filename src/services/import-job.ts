import { constants } from "node:fs";
import { access, copyFile, lstat, mkdir, realpath } from "node:fs/promises";
import { join, sep } from "node:path";
import type { JobsOptions } from "bullmq";
import { z } from "zod";
import type { Config } from "../config.js";
import { hasControlCharacter } from "../control-characters.js";
import type { Dependencies } from "../dependencies.js";
import { type ImportProgress, type ImportSummary, importNumbersFile } from "./import-numbers.js";

/** A plain file name: no folder, no "..", nothing a path could be built from. */
const fileName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, "must be a plain file name inside the imports folder")
  .refine((name) => !name.includes(".."), "must be a plain file name inside the imports folder");

/**
 * An import job on the `imports` queue; its BullMQ job id is the import's id. Job data is
 * untrusted (anyone with the queue can add a job): the files are names inside the imports folder,
 * never paths, and the actor can only name an import.
 */
export const importPayloadSchema = z.strictObject({
  file: fileName,
  rejectsFile: fileName,
  actor: z
    .string()
    .max(300)
    .regex(/^import:./, "must be import:<file name>")
    .refine((actor) => !hasControlCharacter(actor), "must not contain control characters"),
});
export type ImportPayload = z.infer<typeof importPayloadSchema>;

/**
 * Where imports are read from and their rejects written: `NUMBERS_DATA_DIR/imports`. The CLI
 * copies the file here first; a job can reach nothing else.
 */
export const importsFolder = (config: Pick<Config, "dataDir">) => join(config.dataDir, "imports");

/**
 * Not retried by BullMQ: a file half-imported by a worker that died is imported again by running
 * the command again, which adds only what is missing. Kept an hour after it ends, for the CLI
 * that follows it to read the summary.
 */
export const IMPORT_JOB_OPTIONS: JobsOptions = {
  attempts: 1,
  removeOnComplete: { age: 3600 },
  removeOnFail: { age: 24 * 3600 },
};

export type ImportJobResult =
  | { status: "done"; summary: ImportSummary }
  /** This process cannot read the file (another machine's folder): left to the CLI that queued it. */
  | { status: "unreadable"; reason: string }
  /** Someone else (the CLI itself, or another worker) is running it. */
  | { status: "claimed_elsewhere" };

/** An import file this process may read, with where its rejects go; null when it is not here. */
export async function resolveImportFiles(
  config: Pick<Config, "dataDir">,
  payload: ImportPayload,
): Promise<{ file: string; rejectsFile: string } | null> {
  const folder = importsFolder(config);
  const file = join(folder, payload.file);
  try {
    await access(file, constants.R_OK);
    // A link inside the folder could still point outside it: only a regular file of its own counts.
    const [info, real, realFolder] = await Promise.all([lstat(file), realpath(file), realpath(folder)]);
    if (!info.isFile() || !real.startsWith(realFolder + sep)) return null;
  } catch {
    return null;
  }
  return { file, rejectsFile: join(folder, payload.rejectsFile) };
}

/**
 * Copies the file the CLI was given into the imports folder (the kernel copies; nothing is held
 * in memory) and returns the job's payload.
 */
export async function stageImportFile(
  config: Pick<Config, "dataDir">,
  importId: string,
  source: string,
  actor: string,
): Promise<ImportPayload> {
  const folder = importsFolder(config);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const payload = importPayloadSchema.parse({
    file: `${importId}.csv`,
    rejectsFile: `${importId}.rejects.csv`,
    actor,
  });
  await copyFile(source, join(folder, payload.file));
  return payload;
}

const claimKey = (deps: Dependencies, importId: string) =>
  `${deps.queuePrefix ?? "bull"}:imports:claim:${importId}`;

/**
 * Exactly one process runs an import: the worker that took the job, or the CLI that queued it
 * when no worker did. Both claim the import with one SET NX first; the loser steps aside.
 */
export async function claimImport(deps: Dependencies, importId: string, claimant: string): Promise<boolean> {
  const claimed = await deps.redis.set(claimKey(deps, importId), claimant, "EX", 7 * 24 * 3600, "NX");
  return claimed === "OK";
}

export async function runImportJob(
  deps: Dependencies,
  importId: string,
  payload: ImportPayload,
  claimant: string,
  onProgress: (progress: ImportProgress) => unknown,
): Promise<ImportJobResult> {
  const files = await resolveImportFiles(deps.config, payload);
  if (!files)
    return { status: "unreadable", reason: `${payload.file} is not in this process's imports folder` };
  if (!(await claimImport(deps, importId, claimant))) return { status: "claimed_elsewhere" };
  deps.log.info({ importId, file: payload.file }, "import started");
  const summary = await importNumbersFile(deps, { ...files, actor: payload.actor, onProgress });
  deps.log.info({ importId, added: summary.added, rows: summary.rows }, "import finished");
  return { status: "done", summary };
}
