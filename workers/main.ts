import { parseArgs } from "node:util";
import {
  closeDependencies,
  createDependencies,
  createLogger,
  migrate,
  startServices,
} from "../src/bootstrap.js";
import { parseConfig } from "../src/config.js";
import { ensureAdminKey } from "../src/services/organizations.js";
import { startApi } from "./api.js";
import { startMetricsServer } from "./metrics.js";
import { PROCESS_ROLES, type ProcessRole, type RunningRole } from "./roles.js";
import { startScheduler } from "./scheduler.js";
import { handleShutdown } from "./shutdown.js";
import { startWorkers } from "./worker.js";

async function main() {
  const { values } = parseArgs({
    options: { role: { type: "string", default: "all" } },
    allowPositionals: true,
  });
  const roleName = values.role as ProcessRole;
  if (!PROCESS_ROLES.includes(roleName)) {
    console.error(`Unknown role "${values.role}"; use one of ${PROCESS_ROLES.join(", ")}.`);
    process.exit(2);
  }
  const config = parseConfig();
  const log = createLogger(config).child({ role: roleName });
  const services = await startServices(config, log);
  const deps = createDependencies(config, services, log);
  await untilReachable(() => migrate(deps), log);
  await ensureAdminKey(deps);

  const roles: RunningRole[] = [];
  const wants = (name: ProcessRole) => roleName === "all" || roleName === name;
  if (wants("worker")) roles.push(await startWorkers(deps, services.redisUrl));
  if (wants("scheduler")) roles.push(await startScheduler(deps));
  if (wants("api")) roles.push(await startApi(deps));
  else if (config.metricsPort !== undefined) roles.push(await startMetricsServer(deps, config.metricsPort));
  log.info({ port: wants("api") ? config.port : undefined }, "numbers is running");

  handleShutdown(log, async () => {
    // /ready answers 503 from here on. Then, all at once: the API stops accepting and finishes
    // in-flight requests, the scheduler stops ticking, workers finish their current jobs (what
    // they have not taken stays in Redis). Closing in turn would add the waits up.
    for (const role of roles) role.drain?.();
    await Promise.all(
      roles.map((role) =>
        role.close().catch((error) => log.error({ err: error, role: role.name }, "close failed")),
      ),
    );
    await closeDependencies(deps);
    await services.stop();
  });
}

/** At start Postgres may still be coming up: keep trying rather than exit. */
async function untilReachable(task: () => Promise<void>, log: ReturnType<typeof createLogger>) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (attempt === 1 || attempt % 10 === 0)
        log.warn({ err: error, attempt }, "database not reachable yet; retrying");
      await new Promise((resolve) => setTimeout(resolve, Math.min(attempt * 500, 5_000)));
    }
  }
}

main().catch((error: Error) => {
  console.error(`numbers could not start: ${error.message}`);
  process.exit(1);
});
