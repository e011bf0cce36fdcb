import { parseArgs } from "node:util";
import { sweepReportView } from "./api/views.js";
import { closeDependencies, createDependencies, createLogger, migrate, startServices } from "./bootstrap.js";
import { importCommand } from "./cli-import.js";
import { parseConfig } from "./config.js";
import type { Dependencies } from "./dependencies.js";
import { ROLES } from "./lifecycle/states.js";
import { createApiKey } from "./services/organizations.js";
import { runSweeps } from "./services/sweeps.js";

const USAGE = `usage:
  numbers migrate
  numbers keys create --role ROLE [--org ORG_ID]
  numbers sweep [--at ISO-8601] [--dry-run]
  numbers import FILE.csv [--rejects PATH] [--json]`;

type Command = (deps: Dependencies, args: string[]) => Promise<void>;

const commands: Record<string, Command> = {
  migrate: async () => {
    // migrations already ran while starting; say so plainly
    console.log("migrations are up to date");
  },
  keys: async (deps, args) => {
    const { values, positionals } = parseArgs({
      args,
      options: { role: { type: "string" }, org: { type: "string" } },
      allowPositionals: true,
    });
    if (positionals[0] !== "create" || !values.role) throw new UsageError("keys create needs --role");
    const role = ROLES.find((known) => known === values.role);
    if (!role) throw new UsageError(`--role must be one of ${ROLES.join(", ")}`);
    const created = await createApiKey(deps, role, values.org ?? null);
    console.log(created.key);
  },
  sweep: async (deps, args) => {
    const { values } = parseArgs({
      args,
      options: { at: { type: "string" }, "dry-run": { type: "boolean", default: false } },
    });
    const at = values.at === undefined ? undefined : new Date(values.at);
    if (at && Number.isNaN(at.getTime()))
      throw new UsageError(`--at "${values.at}" is not an ISO-8601 instant`);
    // Notice e-mails go to the mail queue; a running worker sends them.
    const report = await runSweeps(deps, { at, dryRun: values["dry-run"] });
    console.log(JSON.stringify(sweepReportView(report), null, 2));
  },
  // Queued for a worker; run here when none takes it (src/cli-import.ts).
  import: importCommand,
};

class UsageError extends Error {}

async function main() {
  const [name, ...args] = process.argv.slice(2);
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.error(USAGE);
    process.exit(2);
  }
  const config = parseConfig(undefined, { LOG_LEVEL: "warn" });
  const log = createLogger(config, "numbers-cli");
  const services = await startServices(config, log);
  const deps = createDependencies(config, services, log);
  try {
    await migrate(deps);
    await command(deps, args);
  } finally {
    await closeDependencies(deps);
    // Stops only what this command started itself; services of a running `npm start` are reused.
    await services.stop();
  }
}

main().catch((error: Error) => {
  console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : `numbers: ${error.message}`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
