import { z } from "zod";
import { ping } from "../../db/database.js";
import type { Dependencies } from "../../dependencies.js";
import { withTimeout } from "../../queues.js";
import type { App } from "../app.js";

const checkSchema = z.enum(["ok", "unavailable"]);

export async function healthRoutes(app: App, deps: Dependencies) {
  app.get(
    "/health",
    {
      config: { public: true },
      schema: {
        tags: ["operations"],
        summary: "Liveness",
        response: { 200: z.object({ status: z.literal("ok") }) },
      },
    },
    async () => ({ status: "ok" as const }),
  );

  app.get(
    "/ready",
    {
      config: { public: true },
      schema: {
        tags: ["operations"],
        summary: "Readiness: Postgres and Redis reachable",
        response: {
          200: z.object({
            status: z.literal("ok"),
            checks: z.object({ postgres: checkSchema, redis: checkSchema }),
          }),
          503: z.object({
            status: z.literal("unavailable"),
            checks: z.object({ postgres: checkSchema, redis: checkSchema }),
            error: z.object({ code: z.string(), message: z.string(), details: z.array(z.unknown()) }),
          }),
        },
      },
    },
    async (_request, reply) => {
      const [postgres, redis] = await Promise.all([
        withTimeout(ping(deps.db), 2_000, "postgres check").then(
          () => "ok" as const,
          () => "unavailable" as const,
        ),
        withTimeout(deps.redis.ping(), 2_000, "redis check").then(
          () => "ok" as const,
          () => "unavailable" as const,
        ),
      ]);
      const checks = { postgres, redis };
      const missing = Object.entries(checks)
        .filter(([, status]) => status !== "ok")
        .map(([name]) => name);
      const draining = app.draining;
      if (missing.length === 0 && !draining) return { status: "ok" as const, checks };
      const message = draining
        ? "The process is shutting down."
        : `Unreachable: ${missing.map((name) => (name === "postgres" ? "PostgreSQL" : "Redis")).join(" and ")}.`;
      return reply.code(503).send({
        status: "unavailable" as const,
        checks,
        error: {
          code: "unavailable",
          message,
          details: missing.map((service) => ({ service, status: "unavailable" })),
        },
      });
    },
  );
}
