import type { Duplex } from "node:stream";
import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import { isUnavailable } from "../dependency-errors.js";
import { AppError } from "../error-codes.js";

interface Detail {
  field: string;
  message: string;
}

export function errorBody(code: string, message: string, details: unknown[] = []) {
  return { error: { code, message, details } };
}

/**
 * A request Node's HTTP parser refused before Fastify saw it (a control character in a header, a
 * malformed request line): answered with the contract's body on the raw socket, then closed.
 */
export function answerUnreadableRequest(error: Error & { code?: string }, socket: Duplex) {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const message =
    "The request could not be read as HTTP (a control character or malformed line in its headers).";
  const body = JSON.stringify(errorBody("validation_failed", message, [{ field: "headers", message }]));
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
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
