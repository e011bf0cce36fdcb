import { z } from "zod";
import type { Dependencies } from "../../dependencies.js";
import { DELIVERY_STATUSES } from "../../lifecycle/states.js";
import {
  createWebhook,
  deleteWebhook,
  listVisibleWebhooks,
  listWebhookDeliveries,
  WEBHOOK_EVENTS,
} from "../../services/webhooks.js";
import type { App } from "../app.js";
import { errorResponses, idParams } from "../schemas.js";
import { circuitView, deliveryView, webhookView } from "../views.js";

const tags = ["webhooks"];

const webhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENTS)),
  organizationId: z.string().nullable(),
  createdAt: z.string(),
});

const deliverySchema = z.object({
  eventId: z.string(),
  type: z.enum(WEBHOOK_EVENTS),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
});

const circuitSchema = z
  .object({
    endpoint: z.string().describe("The receiving server: scheme, host and port of the URL"),
    state: z
      .enum(["closed", "open", "half_open"])
      .describe(
        "open: deliveries to this server are paused until pausedUntil; half_open: the next answer decides",
      ),
    consecutiveFailures: z.number().int(),
    pausedUntil: z.string().nullable(),
  })
  .describe("The circuit breaker of the webhook's receiving server (shared by every webhook naming it)");

export async function webhookRoutes(app: App, deps: Dependencies) {
  app.post(
    "/v1/webhooks",
    {
      schema: {
        tags,
        summary: "Subscribe a URL to events of the numbers this key's organisation can see",
        body: z.object({
          url: z.string().trim().min(1).max(2000),
          events: z.array(z.enum(WEBHOOK_EVENTS)).min(1),
        }),
        response: {
          201: webhookSchema.extend({ secret: z.string().describe("Signs deliveries; shown only here") }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const webhook = await createWebhook(deps, request.principal, request.body);
      // The secret is shown only here.
      return reply.code(201).send({ ...webhookView(webhook), secret: webhook.secret });
    },
  );

  app.get(
    "/v1/webhooks",
    { schema: { tags, response: { 200: z.object({ items: z.array(webhookSchema) }), ...errorResponses } } },
    async (request) => ({ items: (await listVisibleWebhooks(deps, request.principal)).map(webhookView) }),
  );

  app.delete(
    "/v1/webhooks/:id",
    { schema: { tags, params: idParams, response: { 204: z.null(), ...errorResponses } } },
    async (request, reply) => {
      await deleteWebhook(deps, request.principal, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/v1/webhooks/:id/deliveries",
    {
      schema: {
        tags,
        summary: "The delivery log, newest first",
        params: idParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        response: {
          200: z.object({ items: z.array(deliverySchema), circuit: circuitSchema }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { rows, circuit } = await listWebhookDeliveries(
        deps,
        request.principal,
        request.params.id,
        request.query.limit,
      );
      return { items: rows.map(deliveryView), circuit: circuitView(circuit) };
    },
  );
}
