import type { FastifyReply } from "fastify";
import { z } from "zod";
import type { Dependencies } from "../../dependencies.js";
import { createDownloadSlots, type DownloadSlots } from "../../services/download-slots.js";
import { openNumbersCsv } from "../../services/export-csv.js";
import { openNumbersPdf } from "../../services/export-pdf.js";
import { downloadQuerySchema } from "../../services/search.js";
import type { App } from "../app.js";
import { errorResponses, errorSchema } from "../schemas.js";

const tags = ["numbers"];

/** The filters as the caller wrote them, for the PDF's header ("state=available, q=+65"). */
function describeQuery(url: string): string {
  const params = new URLSearchParams(url.split("?")[1] ?? "");
  const shown = [...params].filter(
    ([name]) => name !== "limit" && name !== "cursor" && name !== "sort" && name !== "numbers",
  );
  const chosen = params.getAll("numbers").flatMap((value) => value.split(",")).length;
  if (chosen > 0) shown.push(["numbers", `${chosen} chosen`]);
  const filters = shown.length > 0 ? shown.map(([name, value]) => `${name}=${value}`).join(", ") : "none";
  return `Filters: ${filters}   Sort: ${params.get("sort") ?? "number"}`;
}

function download(reply: FastifyReply, type: string, filename: string) {
  return reply
    .type(type)
    .header("content-disposition", `attachment; filename="${filename}"`)
    .header("cache-control", "no-store");
}

/** Runs `open` in a download slot, held until the response has ended (or the client left). */
async function inSlot<T>(slots: DownloadSlots, reply: FastifyReply, open: () => Promise<T>): Promise<T> {
  let free: () => void;
  try {
    free = slots.take();
  } catch (error) {
    reply.header("retry-after", "10");
    throw error;
  }
  reply.raw.once("close", free);
  try {
    return await open();
  } catch (error) {
    free();
    throw error;
  }
}

const downloadResponses = { ...errorResponses, 429: errorSchema };

/** Downloads of what `GET /v1/numbers` selects: same query, every matching row (no limit or cursor). */
export async function exportRoutes(app: App, deps: Dependencies) {
  const slots = createDownloadSlots(deps.config.exportConcurrency);
  app.get(
    "/v1/numbers.csv",
    {
      schema: {
        tags,
        summary: "Download the numbers a search selects as CSV (streamed; header row = JSON field names)",
        description:
          "`numbers=` (up to 1,000, comma-separated) downloads only those rows, ANDed with the other filters. Offered as PhoneNumbers.csv.",
        querystring: downloadQuerySchema,
        produces: ["text/csv"],
        response: { 200: z.string().describe("CSV, RFC 4180"), ...downloadResponses },
      },
    },
    async (request, reply) => {
      const { stream, filename } = await inSlot(slots, reply, () =>
        openNumbersCsv(deps, request.principal, request.query),
      );
      return download(reply, "text/csv; charset=utf-8", filename).send(stream);
    },
  );

  app.get(
    "/v1/numbers.pdf",
    {
      schema: {
        tags,
        summary: "Download the numbers a search selects as a PDF table (streamed)",
        description:
          "Columns Number, Used by, Company, Partner, Provider, Status, Site, Expiry. `numbers=` as for the CSV. Offered as PhoneNumbers.pdf.",
        querystring: downloadQuerySchema,
        produces: ["application/pdf"],
        response: { 200: z.string().describe("PDF"), ...downloadResponses },
      },
    },
    async (request, reply) => {
      const { stream, filename } = await inSlot(slots, reply, () =>
        openNumbersPdf(deps, request.principal, request.query, describeQuery(request.url)),
      );
      return download(reply, "application/pdf", filename).send(stream);
    },
  );
}
