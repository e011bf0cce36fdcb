import { buildMetricsApp } from "../src/api/metrics-app.js";
import type { Dependencies } from "../src/dependencies.js";
import type { RunningRole } from "./roles.js";

/** GET /metrics on HOST:METRICS_PORT for a process that runs no API. */
export async function startMetricsServer(deps: Dependencies, port: number): Promise<RunningRole> {
  const app = await buildMetricsApp(deps);
  await app.listen({ port, host: deps.config.host });
  return { name: "metrics", close: () => app.close() };
}
