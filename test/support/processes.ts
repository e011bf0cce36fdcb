import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { TestContext } from "./context.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Starts `workers/main.ts --role ROLE` as its own process against the test context's services. */
export function startRoleProcess(
  t: TestContext,
  role: "api" | "worker" | "scheduler" | "all",
  env: Record<string, string> = {},
): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "workers/main.ts", "--role", role], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: t.databaseUrl,
      REDIS_URL: t.redisUrl,
      QUEUE_PREFIX: t.deps.queuePrefix ?? "",
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn",
      PORT: "0",
      ...env,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  return child;
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM") {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
}
