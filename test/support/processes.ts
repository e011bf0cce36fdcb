import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { ProcessRole } from "../../workers/roles.js";
import type { TestContext } from "./context.js";

/** Every launcher of a real process in the tests: roles, the CLI, fixture scripts. */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface StartedProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  stdout(): string;
}

/** The test context's services, so a process sees this file's database, Redis and queues. */
const servicesOf = (t: TestContext) => ({
  DATABASE_URL: t.databaseUrl,
  REDIS_URL: t.redisUrl,
  QUEUE_PREFIX: t.deps.queuePrefix ?? "",
});

/** `node --import tsx SCRIPT ARGS` from the repository root, its output kept. */
export function startNodeProcess(
  script: string,
  args: string[],
  env: Record<string, string>,
  nodeArgs = ["--import", "tsx"],
): StartedProcess {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stdout = "";
  child.stdout!.on("data", (chunk) => {
    output += chunk;
    stdout += chunk;
  });
  child.stderr!.on("data", (chunk) => (output += chunk));
  return { child, output: () => output, stdout: () => stdout };
}

/** Starts `workers/main.ts --role ROLE` as its own process against the test context's services. */
export function startRoleProcess(
  t: TestContext,
  role: ProcessRole,
  env: Record<string, string> = {},
): StartedProcess {
  return startNodeProcess("workers/main.ts", ["--role", role], { ...servicesOf(t), PORT: "0", ...env });
}

/** Waits until `check` answers 200; fails with the process's output if it exits first. */
export async function untilServing(started: StartedProcess, check: () => Promise<Response>) {
  await expect
    .poll(
      async () => {
        if (started.child.exitCode !== null)
          throw new Error(`the process exited early:\n${started.output()}`);
        return check().then(
          (response) => response.status,
          () => 0,
        );
      },
      { timeout: 30_000, interval: 200 },
    )
    .toBe(200);
}

/** Signals the process (SIGTERM by default) and resolves with its exit code once it is gone. */
export async function stopProcess(
  started: StartedProcess,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<number | null> {
  const { child } = started;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = once(child, "exit");
  child.kill(signal);
  const [code] = await exited;
  return code as number | null;
}

/** Resolves with the exit code once the process ends by itself. */
export async function exitOf(started: StartedProcess): Promise<number | null> {
  const { child } = started;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const [code] = await once(child, "exit");
  return code as number | null;
}

/** Runs `numbers ARGS` (bin/numbers.js) against the test context's services, to its end. */
export async function runCli(t: TestContext, args: string[]) {
  // The bin loads tsx itself, as it does for a user.
  const started = startNodeProcess("bin/numbers.js", args, { ...servicesOf(t), LOG_LEVEL: "silent" }, []);
  const code = await exitOf(started);
  return { code, stdout: started.stdout(), output: started.output() };
}
