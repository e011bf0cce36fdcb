import { z } from "zod";
import type { Dependencies } from "../../dependencies.js";
import { addNumbers, getHistory, getNumber, parsePathNumber } from "../../services/numbers.js";
import { searchNumbers, searchQuerySchema } from "../../services/search.js";
import type { App } from "../app.js";
import { errorResponses, numberParams, numberSchema, snapshotSchema } from "../schemas.js";
import { historyEntryView, numberView } from "../views.js";

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
      const numbers = await addNumbers(deps, request.principal, request.body.numbers);
      return reply.code(201).send({ numbers: numbers.map(numberView) });
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
      return { items: page.items.map(numberView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    "/v1/numbers/:number",
    { schema: { tags, params: numberParams, response: { 200: numberSchema, ...errorResponses } } },
    async (request) =>
      numberView(await getNumber(deps, request.principal, parsePathNumber(request.params.number))),
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
