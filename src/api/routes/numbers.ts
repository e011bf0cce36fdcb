import { z } from "zod";
import type { Dependencies } from "../../dependencies.js";
import { countNumbers } from "../../services/number-counts.js";
import { editNumber, numberEditSchema } from "../../services/number-edits.js";
import { addNumbers, getHistory, getNumber, parsePathNumber } from "../../services/numbers.js";
import { searchNumbers, searchQuerySchema } from "../../services/search.js";
import type { App } from "../app.js";
import { errorResponses, numberParams, numberSchema, snapshotSchema } from "../schemas.js";
import { historyEntryView, numberViewFor } from "../views.js";

const tags = ["numbers"];

const historySchema = z.object({
  items: z.array(
    z.object({
      at: z.string(),
      action: z.string(),
      actor: z.string(),
      remark: z.string().nullable(),
      transitionId: z.string().nullable(),
      before: snapshotSchema,
      after: snapshotSchema,
    }),
  ),
  nextCursor: z.string().nullable(),
});

const historyQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(2000).optional(),
});

const countsSchema = z.object({
  total: z.number().int(),
  pending: z.number().int(),
  byState: z.object({
    available: z.number().int(),
    reserved: z.number().int(),
    locked: z.number().int(),
    assigned: z.number().int(),
    cooldown: z.number().int(),
    deleted: z.number().int(),
  }),
});

export async function numberRoutes(app: App, deps: Dependencies) {
  app.post(
    "/v1/numbers",
    {
      schema: {
        tags,
        summary: "Add 1 to 50 numbers, all or nothing",
        body: z.object({ numbers: z.array(z.unknown()).min(1) }),
        response: { 201: z.object({ numbers: z.array(numberSchema) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const rows = await addNumbers(deps, request.principal, request.body.numbers);
      return reply.code(201).send({ numbers: rows.map(numberViewFor(request.principal, deps.clock.now())) });
    },
  );

  app.get(
    "/v1/numbers",
    {
      schema: {
        tags,
        summary: "Search numbers in the key's scope",
        querystring: searchQuerySchema,
        response: {
          200: z.object({ items: z.array(numberSchema), nextCursor: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const page = await searchNumbers(deps, request.principal, request.query);
      return {
        items: page.items.map(numberViewFor(request.principal, deps.clock.now())),
        nextCursor: page.nextCursor,
      };
    },
  );

  app.get(
    "/v1/numbers/counts",
    {
      schema: {
        tags,
        summary: "Count the numbers the filters of GET /v1/numbers select, by state, in the key's scope",
        description: "`limit`, `cursor` and `sort` are accepted and ignored, as on the downloads.",
        querystring: searchQuerySchema,
        response: { 200: countsSchema, ...errorResponses },
      },
    },
    async (request) => countNumbers(deps, request.principal, request.query),
  );

  app.get(
    "/v1/numbers/:number",
    { schema: { tags, params: numberParams, response: { 200: numberSchema, ...errorResponses } } },
    async (request) =>
      numberViewFor(
        request.principal,
        deps.clock.now(),
      )(await getNumber(deps, request.principal, parsePathNumber(request.params.number))),
  );

  app.patch(
    "/v1/numbers/:number",
    {
      schema: {
        tags,
        summary: "Correct a number's attributes (platform_admin; a partner_admin for its own inventory)",
        description:
          "One history entry (`edit`) with the changed fields before and after. `siteId` and `mainNumber` change only while the number is available; 409 update_in_progress while a transition is pending.",
        params: numberParams,
        body: numberEditSchema,
        response: { 200: numberSchema, ...errorResponses },
      },
    },
    async (request) =>
      numberViewFor(
        request.principal,
        deps.clock.now(),
      )(await editNumber(deps, request.principal, parsePathNumber(request.params.number), request.body)),
  );

  app.get(
    "/v1/numbers/:number/history",
    {
      schema: {
        tags,
        summary: "A number's history, oldest first, a page at a time",
        params: numberParams,
        querystring: historyQuery,
        response: { 200: historySchema, ...errorResponses },
      },
    },
    async (request) => {
      const page = await getHistory(
        deps,
        request.principal,
        parsePathNumber(request.params.number),
        request.query,
      );
      return { items: page.rows.map(historyEntryView), nextCursor: page.nextCursor };
    },
  );
}
