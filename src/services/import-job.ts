import { constants } from "node:fs";
import { access } from "node:fs/promises";
import type { JobsOptions } from "bullmq";
import { z } from "zod";
import type { Dependencies } from "../dependencies.js";
import { type ImportProgress, type ImportSummary, importNumbersFile } from "./import-numbers.js";

/** An import job on the `imports` queue; its BullMQ job id is the import's id. */
export const importPayloadSchema = z.object({
  file: z.string().min(1),
  actor: z.string().min(1),
  rejectsFile: z.string().min(1),
});
export type ImportPayload = z.infer<typeof importPayloadSchema>;

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
  /** This process cannot read the file (another machine's path): left to the CLI that queued it. */
  | { status: "unreadable"; reason: string }
  /** Someone else (the CLI itself, or another worker) is running it. */
  | { status: "claimed_elsewhere" };

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
  try {
    await access(payload.file, constants.R_OK);
  } catch (error) {
    return { status: "unreadable", reason: (error as Error).message };
  }
  if (!(await claimImport(deps, importId, claimant))) return { status: "claimed_elsewhere" };
  deps.log.info({ importId, file: payload.file }, "import started");
  const summary = await importNumbersFile(deps, { ...payload, onProgress });
  deps.log.info({ importId, added: summary.added, rows: summary.rows }, "import finished");
  return { status: "done", summary };
}
