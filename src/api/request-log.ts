import { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from "fastify";
import { httpRequestDuration } from "../metrics.js";

/**
 * One log line per request, written when it completes (Fastify's default is two: incoming and
 * completed). It carries the reqId (from the child logger), the route pattern and the status.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest() {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply) {
    const line = {
      method: request.method,
      url: request.url,
      route: request.routeOptions.url ?? "unmatched",
      statusCode: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) reply.log.error({ ...line, err: error }, "request errored");
    else reply.log.info(line, "request completed");
  }
}

/**
 * The request-duration histogram. The route label is the pattern (`/v1/numbers/:number`), never
 * the raw URL, so the number of series stays bounded.
 */
export function observeRequests(app: FastifyInstance) {
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    httpRequestDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}
