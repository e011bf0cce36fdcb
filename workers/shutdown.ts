import type { Logger } from "pino";

/** Under the 10 s an orchestrator allows before SIGKILL, with room for the exit itself. */
const SHUTDOWN_DEADLINE_MS = 9_000;

/**
 * One way out of the process: SIGTERM, SIGINT, a launcher that went away, and an error nothing
 * caught (an unhandled rejection, an uncaught exception) all drain and close every role, then
 * exit — 0 for a requested stop, 1 for a failure, so a supervisor sees it and restarts us.
 * `stop` drains and closes; past the deadline the process exits 1 anyway.
 */
export function handleShutdown(log: Logger, stop: () => Promise<void>, deadlineMs = SHUTDOWN_DEADLINE_MS) {
  let stoppingSince = 0;
  let exitCode = 0;

  const shutdown = async (reason: string, code: 0 | 1) => {
    exitCode = Math.max(exitCode, code);
    if (stoppingSince) {
      // npm passes a signal on to us and the terminal sends it to the whole group: one Ctrl-C
      // can arrive twice. Only a later, deliberate second signal means "exit now".
      if (code !== 0 || performance.now() - stoppingSince < 1_000) return;
      log.warn({ signal: reason }, "second signal: exiting now");
      process.exit(1);
    }
    stoppingSince = performance.now();
    log.info({ signal: reason }, "shutting down");
    setTimeout(() => process.exit(1), deadlineMs).unref();
    await stop();
    log.info("shut down");
    process.exit(exitCode);
  };

  process.on("SIGTERM", () => void shutdown("SIGTERM", 0));
  process.on("SIGINT", () => void shutdown("SIGINT", 0));
  process.on("unhandledRejection", (reason) => {
    log.error({ err: reason }, "unhandled promise rejection");
    void shutdown("unhandledRejection", 1);
  });
  process.on("uncaughtException", (error) => {
    log.error({ err: error }, "uncaught exception");
    void shutdown("uncaughtException", 1);
  });
  // Started by a launcher that died without passing the signal on: stop rather than linger.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && void shutdown("parent exited", 0), 1_000).unref();
}
