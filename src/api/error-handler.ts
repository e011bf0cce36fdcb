import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import { AppError } from "../error-codes.js";

const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
]);

/** Postgres (or Redis) could not be reached: the caller should retry, not read a stack trace. */
export function isUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code && (CONNECTION_ERROR_CODES.has(code) || code.startsWith("08"))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Connection is closed|connect ECONNREFUSED|Stream isn't writeable|ended by the other party|timed out/i.test(
    message ?? "",
  );
}

interface Detail {
  field: string;
  message: string;
}

export function errorBody(code: string, message: string, details: unknown[] = []) {
  return { error: { code, message, details } };
}

/** One error handler: every failure answers the contract's `{error: {code, message, details}}`. */
export function installErrorHandling(app: FastifyInstance) {
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody("not_found", `No route ${request.method} ${request.url.split("?")[0]}.`));
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      return reply.code(error.status).send(errorBody(error.code, error.message, error.details));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const details: Detail[] = error.validation.flatMap((issue) => {
        const field = [error.validationContext, ...issue.instancePath.split("/").filter(Boolean)].join(".");
        // Unknown fields are named one by one, so a caller sees each it must drop.
        const unknown =
          issue.keyword === "unrecognized_keys" ? (issue.params as { keys?: unknown }).keys : null;
        if (Array.isArray(unknown))
          return unknown.map((key) => ({
            field: `${field}.${String(key)}`,
            message: "is not a field of this request",
          }));
        return [{ field, message: issue.message ?? "is invalid" }];
      });
      return reply
        .code(400)
        .send(
          errorBody(
            "validation_failed",
            `The request is invalid: ${details.map((d) => `${d.field} ${d.message}`).join("; ")}.`,
            details,
          ),
        );
    }
    if (isUnavailable(error)) {
      request.log.warn({ err: error }, "dependency unavailable");
      reply.header("retry-after", "5");
      return reply
        .code(503)
        .send(errorBody("unavailable", "A service this request needs is unreachable; retry later."));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own refusals: bad JSON, wrong content type, body too large, …
      const message =
        error.code === "FST_ERR_CTP_INVALID_JSON_BODY" || error instanceof SyntaxError
          ? "The request body is not valid JSON."
          : error.message;
      return reply
        .code(status === 404 ? 404 : 400)
        .send(
          errorBody(status === 404 ? "not_found" : "validation_failed", message, [
            { field: "body", message },
          ]),
        );
    }
    if (isResponseSerializationError(error))
      request.log.error({ err: error, cause: error.cause }, "response did not match its schema");
    else request.log.error({ err: error }, "request failed");
    return reply
      .code(500)
      .send(errorBody("internal_error", "Something went wrong on our side; it has been logged."));
  });
}
