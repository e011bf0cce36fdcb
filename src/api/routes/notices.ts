import { z } from "zod";
import type { Dependencies } from "../../dependencies.js";
import { NOTICE_KINDS, NOTICE_STATUSES } from "../../lifecycle/states.js";
import { getNotices } from "../../services/notices.js";
import { parsePathNumber } from "../../services/numbers.js";
import type { App } from "../app.js";
import { errorResponses } from "../schemas.js";
import { noticeView } from "../views.js";

const noticeSchema = z.object({
  id: z.string(),
  kind: z.enum(NOTICE_KINDS),
  number: z.string(),
  expiresAt: z.string(),
  recipient: z.string(),
  status: z.enum(NOTICE_STATUSES),
  sentAt: z.string().nullable(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
});

export async function noticeRoutes(app: App, deps: Dependencies) {
  app.get(
    "/v1/notices",
    {
      schema: {
        tags: ["operations"],
        summary: "Notices recorded for the numbers the key can see, oldest first",
        querystring: z.object({
          number: z.string().min(1).max(40).optional(),
          kind: z.enum(NOTICE_KINDS).optional(),
          status: z.enum(NOTICE_STATUSES).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: z.object({ items: z.array(noticeSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const { number, ...rest } = request.query;
      const rows = await getNotices(deps, request.principal, {
        ...rest,
        number: number && parsePathNumber(number),
      });
      return { items: rows.map(noticeView) };
    },
  );
}
