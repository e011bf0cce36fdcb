import pino from "pino";
import { handleShutdown } from "../../workers/shutdown.js";

/**
 * A process wired like workers/main.ts, whose one role fails with an error nobody catches:
 * `rejection` (a promise rejected, unhandled) or `exception` (thrown from a timer).
 */
const log = pino({ level: "info" });
handleShutdown(log, async () => log.info("roles closed"));
setInterval(() => {}, 1_000); // stays up like a server until it is stopped
log.info("running");
setTimeout(() => {
  if (process.argv[2] === "rejection") void Promise.reject(new Error("nobody awaited this"));
  else throw new Error("nobody caught this");
}, 50);
