import { buildApp } from "../src/api/app.js";
import type { Dependencies } from "../src/dependencies.js";
import type { RunningRole } from "./roles.js";

/** Listens on HOST:PORT; close() stops accepting, finishes in-flight requests. */
export async function startApi(deps: Dependencies): Promise<RunningRole> {
  const app = await buildApp(deps);
  await app.listen({ port: deps.config.port, host: deps.config.host });
  return {
    name: "api",
    drain: () => {
      app.draining = true;
    },
    close: () => app.close(),
  };
}
