import { z } from "zod";
import type { Dependencies } from "../../dependencies.js";
import { AppError } from "../../error-codes.js";
import { normalizeNumber } from "../../lifecycle/phone-number.js";
import {
  DELETE_REASONS,
  REQUEST_ACTIONS,
  SUBSCRIPTION_EVENTS,
  type SubscriptionEventType,
  TRANSITION_STATUSES,
} from "../../lifecycle/states.js";
import { parsePathNumber } from "../../services/numbers.js";
import { reportSubscriptionEvent } from "../../services/subscriptions.js";
import { getTransition, requestTransition } from "../../services/transitions.js";
import type { App } from "../app.js";
import { errorResponses, idParams, numberParams, time, transitionSchema } from "../schemas.js";
import { acceptedTransitionView, transitionView } from "../views.js";

const tags = ["transitions"];

const transitionBody = z
  .object({
    action: z.enum(REQUEST_ACTIONS),
    remark: z.string().max(2000).optional(),
    ownerId: z.uuid().optional(),
    subscriptionId: z.string().trim().min(1).max(200).optional(),
    until: time.optional(),
    reason: z.enum(DELETE_REASONS).optional(),
    endUserId: z.string().trim().min(1).max(200).optional(),
    permanent: z.boolean().optional().describe("lock only: no expiry (platform_admin)"),
  })
  .superRefine((body, context) => {
    if (body.permanent === undefined) return;
    if (body.action !== "lock")
      context.addIssue({ code: "custom", path: ["permanent"], message: "applies only to the lock action" });
    else if (body.permanent && body.until)
      for (const field of ["permanent", "until"])
        context.addIssue({
          code: "custom",
          path: [field],
          message: "a permanent lock has no expiry; send permanent or until, not both",
        });
  });

const acceptedSchema = z.object({
  id: z.string(),
  number: z.string(),
  action: z.string(),
  status: z.enum(TRANSITION_STATUSES),
  requestedAt: z.string(),
});

const eventTypes = Object.keys(SUBSCRIPTION_EVENTS) as [SubscriptionEventType, ...SubscriptionEventType[]];

export async function transitionRoutes(app: App, deps: Dependencies) {
  app.post(
    "/v1/numbers/:number/transitions",
    {
      schema: {
        tags,
        summary: "Request a transition; a worker applies it",
        params: numberParams,
        headers: z.object({ "idempotency-key": z.string().min(1).max(200).optional() }),
        body: transitionBody,
        response: { 202: acceptedSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const number = parsePathNumber(request.params.number);
      const accepted = await requestTransition(
        deps,
        request.principal,
        number,
        request.body,
        request.headers["idempotency-key"],
      );
      return reply.code(202).send(acceptedTransitionView(accepted));
    },
  );

  app.get(
    "/v1/transitions/:id",
    { schema: { tags, params: idParams, response: { 200: transitionSchema, ...errorResponses } } },
    async (request) => transitionView(await getTransition(deps, request.principal, request.params.id)),
  );

  app.post(
    "/v1/subscriptions/:subscriptionId/events",
    {
      schema: {
        tags,
        summary: "Billing reports a subscription event for its assigned numbers",
        params: z.object({ subscriptionId: z.string().min(1).max(200) }),
        body: z.object({
          type: z.enum(eventTypes),
          numbers: z.array(z.string()).min(1).max(1000).optional(),
        }),
        response: {
          202: z.object({
            transitions: z.array(
              z.object({ id: z.string(), number: z.string(), status: z.literal("pending") }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const listed = request.body.numbers?.map((raw, index) => {
        const number = normalizeNumber(raw);
        if (!number)
          throw new AppError(
            "validation_failed",
            `numbers[${index}] "${raw}" is not an E.164 phone number.`,
            [{ field: `body.numbers.${index}`, message: "Not an E.164 phone number." }],
          );
        return number;
      });
      const transitions = await reportSubscriptionEvent(
        deps,
        request.principal,
        request.params.subscriptionId,
        request.body.type,
        listed,
      );
      return reply.code(202).send({ transitions });
    },
  );
}
