import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Dependencies } from "../dependencies.js";
import { requirePlatformAdmin } from "../services/principal.js";
import type { App } from "./app.js";
import { createAuthenticator } from "./authenticate.js";
import { installErrorHandling } from "./error-handler.js";
import { guardInput } from "./input-guard.js";
import { metricsRoutes } from "./routes/metrics.js";

/**
 * `GET /metrics` alone, for worker and scheduler processes run without the API (METRICS_PORT):
 * what a worker observes (transition latency, webhook attempts) lives in its own process, so
 * Prometheus scrapes each process. Same key rule as the API's /metrics.
 */
export async function buildMetricsApp(deps: Dependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // A scrape every few seconds is not worth a log line.
    logController: new LogController({ disableRequestLogging: true }),
  });
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.setValidatorCompiler(validatorCompiler);
  typed.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app);
  guardInput(app);
  const authenticate = createAuthenticator(deps);
  app.addHook("onRequest", async (request) => {
    await authenticate(request);
    requirePlatformAdmin(request.principal);
  });
  await metricsRoutes(typed as unknown as App, deps);
  return app;
}
