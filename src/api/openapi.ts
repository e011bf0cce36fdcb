import { readFileSync } from "node:fs";
import { join } from "node:path";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";
import { PROJECT_ROOT } from "../project-root.js";

const DOCS_PREFIX = "/docs";
const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")) as {
  version: string;
};

/**
 * The OpenAPI document is generated from each route's zod schemas, so it cannot drift from what
 * the API validates and answers. Register before the routes: @fastify/swagger collects them as
 * they are added. `GET /openapi.json` and the browsable `/docs` need no key (docs/decisions.md).
 */
export async function registerOpenApi(app: FastifyInstance) {
  // Swagger UI's own routes (page, assets, /docs/json) carry no config; mark them public here.
  app.addHook("onRoute", (route) => {
    if (route.url === DOCS_PREFIX || route.url.startsWith(`${DOCS_PREFIX}/`))
      route.config = { ...route.config, public: true };
  });

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "numbers",
        description:
          "Telephone-number life-cycle engine. Every route but /health, /ready, /openapi.json and /docs needs `Authorization: Bearer <api key>`.",
        version,
      },
      tags: [
        { name: "operations", description: "Health, readiness and metrics" },
        { name: "organizations" },
        { name: "api keys" },
        { name: "numbers" },
        { name: "transitions", description: "The queue: request, then poll or receive a webhook" },
        { name: "webhooks", description: "Subscriptions and their delivery log" },
      ],
      components: {
        securitySchemes: {
          apiKey: { type: "http", scheme: "bearer", description: "An API key" },
          basicAuth: {
            type: "http",
            scheme: "basic",
            description:
              "Only for the queue dashboard (/admin/queues): any user name, the API key as password",
          },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: (input) => {
      const transformed = jsonSchemaTransform(input);
      if (input.route.config?.public && transformed.schema && !transformed.schema.hide)
        return { ...transformed, schema: { ...transformed.schema, security: [] } };
      return transformed;
    },
  });

  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });

  app.get("/openapi.json", { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}
