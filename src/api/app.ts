import type { IncomingMessage, ServerResponse } from "node:http";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type RawServerDefault,
} from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Dependencies } from "../dependencies.js";
import { requirePlatformAdmin } from "../services/principal.js";
import { createAuthenticator } from "./authenticate.js";
import { registerConsole } from "./console.js";
import { registerDashboard } from "./dashboard.js";
import { answerUnreadableRequest, errorBody, installErrorHandling } from "./error-handler.js";
import { guardInput } from "./input-guard.js";
import { registerOpenApi } from "./openapi.js";
import { OneLinePerRequest, observeRequests } from "./request-log.js";
import { apiKeyRoutes } from "./routes/api-keys.js";
import { exportRoutes } from "./routes/exports.js";
import { healthRoutes } from "./routes/health.js";
import { metricsRoutes } from "./routes/metrics.js";
import { noticeRoutes } from "./routes/notices.js";
import { numberRoutes } from "./routes/numbers.js";
import { organizationRoutes } from "./routes/organizations.js";
import { policyRoutes } from "./routes/policies.js";
import { siteRoutes } from "./routes/sites.js";
import { sweepRoutes } from "./routes/sweeps.js";
import { transitionRoutes } from "./routes/transitions.js";
import { webhookRoutes } from "./routes/webhooks.js";

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

declare module "fastify" {
  interface FastifyContextConfig {
    /** Served without an API key. */
    public?: boolean;
    /** Only platform_admin keys; checked before the body is validated. */
    platformOnly?: boolean;
  }
  interface FastifyInstance {
    /** True once shutdown began: /ready answers 503 so load balancers stop sending. */
    draining: boolean;
  }
}

/** Builds the HTTP API; never listens (workers/api.ts does, tests use inject()). */
export async function buildApp(deps: Dependencies): Promise<App> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    requestIdHeader: "x-request-id",
    logController: new OneLinePerRequest(),
    routerOptions: { ignoreTrailingSlash: true },
    // Errors before routing (a malformed URL, a bad content type) answer the contract's body too.
    frameworkErrors: (error, _request, reply) => {
      const body = errorBody("validation_failed", error.message, [{ field: "url", message: error.message }]);
      (reply as FastifyReply).code(400).send(body);
    },
    clientErrorHandler: answerUnreadableRequest,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate("draining", false);
  installErrorHandling(app as unknown as FastifyInstance);
  guardInput(app as unknown as FastifyInstance);

  const authenticate = createAuthenticator(deps);
  app.addHook("onRequest", async (request) => {
    const config = request.routeOptions.config;
    if (config?.public) return;
    await authenticate(request);
    if (config?.platformOnly) requirePlatformAdmin(request.principal);
  });
  observeRequests(app as unknown as FastifyInstance);
  // Before the routes: the OpenAPI document is collected as routes are added.
  await registerOpenApi(app as unknown as FastifyInstance);
  await registerDashboard(app as unknown as FastifyInstance, deps);
  await registerConsole(app as unknown as FastifyInstance);

  await app.register(async (scoped) => {
    const routes = scoped as unknown as App;
    await healthRoutes(routes, deps);
    await metricsRoutes(routes, deps);
    await organizationRoutes(routes, deps);
    await apiKeyRoutes(routes, deps);
    await numberRoutes(routes, deps);
    await exportRoutes(routes, deps);
    await transitionRoutes(routes, deps);
    await webhookRoutes(routes, deps);
    await sweepRoutes(routes, deps);
    await noticeRoutes(routes, deps);
    await siteRoutes(routes, deps);
    await policyRoutes(routes, deps);
  });
  return app;
}
