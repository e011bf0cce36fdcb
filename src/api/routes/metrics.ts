import { z } from "zod";
import type { Dependencies } from "../../dependencies.js";
import { registry, watchDependencies } from "../../metrics.js";
import type { App } from "../app.js";
import { errorResponses } from "../schemas.js";

/**
 * Prometheus text. The contract asks for a key on everything but /health, so the scraper sends
 * a platform_admin key (`authorization: {credentials: …}` in the scrape config): the figures
 * describe every organisation's traffic.
 */
export async function metricsRoutes(app: App, deps: Dependencies) {
  const unwatch = watchDependencies(deps);
  app.addHook("onClose", async () => unwatch());

  app.get(
    "/metrics",
    {
      config: { platformOnly: true },
      schema: {
        tags: ["operations"],
        summary: "Prometheus metrics (platform_admin)",
        produces: [registry.contentType],
        response: {
          200: {
            description: "Metrics in the Prometheus text exposition format; names start with numbers_.",
            content: { "text/plain": { schema: z.string() } },
          },
          ...errorResponses,
        },
      },
    },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
}
