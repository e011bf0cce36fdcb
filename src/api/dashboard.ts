import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import type { IServerAdapter } from "@bull-board/api/dist/types.js";
import { FastifyAdapter } from "@bull-board/fastify";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Dependencies } from "../dependencies.js";
import { isUnavailable } from "../dependency-errors.js";
import { AppError } from "../error-codes.js";
import { requirePlatformAdmin } from "../services/principal.js";
import { createAuthenticator } from "./authenticate.js";
import { errorBody } from "./error-handler.js";

const DASHBOARD_PATH = "/admin/queues";

/**
 * The BullMQ dashboard for every queue, platform_admin only, and read-only: it shows jobs but can
 * neither add one nor change one's data, so it can never hand a worker input of its own making
 * (job handlers parse every payload anyway). A browser logs in with HTTP basic auth (any user
 * name, the key as password), so a refusal without a key carries `WWW-Authenticate: Basic`,
 * which makes the browser ask.
 */
export async function registerDashboard(app: FastifyInstance, deps: Dependencies) {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: Object.values(deps.queues).map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
    // @bull-board/fastify pins an older @bull-board/api; the adapter only routes, so the types
    // differ in a private field alone.
    serverAdapter: serverAdapter as unknown as IServerAdapter,
    options: { uiConfig: { boardTitle: "numbers" } },
  });

  const authenticate = createAuthenticator(deps, { basicAuth: true });
  await app.register(async (scope) => {
    // bull-board installs its own error handler in its routes' context, which would turn a
    // thrown 401 into a 500: skip the app-wide key check here and answer refusals directly.
    scope.addHook("onRoute", (route) => {
      route.config = { ...route.config, public: true };
    });
    scope.addHook("onRequest", async (request, reply) => {
      try {
        await authenticate(request);
        requirePlatformAdmin(request.principal);
        // Read-only above is bull-board's own switch; this holds whatever routes a later version adds.
        if (request.method !== "GET" && request.method !== "HEAD")
          throw new AppError("forbidden", "The queue dashboard is read-only.");
      } catch (error) {
        return refuse(reply, error);
      }
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
}

function refuse(reply: FastifyReply, error: unknown) {
  if (error instanceof AppError) {
    if (error.status === 401) reply.header("www-authenticate", 'Basic realm="numbers"');
    return reply.code(error.status).send(errorBody(error.code, error.message, error.details));
  }
  if (isUnavailable(error))
    return reply
      .code(503)
      .header("retry-after", "5")
      .send(errorBody("unavailable", "A service this request needs is unreachable; retry later."));
  reply.log.error({ err: error }, "dashboard authentication failed");
  return reply
    .code(500)
    .send(errorBody("internal_error", "Something went wrong on our side; it has been logged."));
}
