import { z } from "zod";
import type { Dependencies } from "../../dependencies.js";
import { NOTICE_KINDS } from "../../lifecycle/states.js";
import { runSweeps } from "../../services/sweeps.js";
import type { App } from "../app.js";
import { errorResponses, time } from "../schemas.js";
import { sweepReportView } from "../views.js";

const numberList = z.array(z.string());

export const sweepReportSchema = z.object({
  at: z.string(),
  dryRun: z.boolean(),
  reservationsExpired: z.number().int(),
  locksExpired: z.number().int(),
  cooldownsEnded: z.number().int(),
  notices: z.object({
    reservationExpiring: z.number().int(),
    lockExpiring: z.number().int(),
    lockExpired: z.number().int(),
  }),
  numbers: z.object({
    reservationsExpired: numberList,
    locksExpired: numberList,
    cooldownsEnded: numberList,
    reservationExpiring: numberList,
    lockExpiring: numberList,
    lockExpired: numberList,
  }),
  emails: z
    .array(
      z.object({
        recipient: z.string(),
        notices: z.array(
          z.object({
            kind: z.enum(NOTICE_KINDS),
            numbers: z.array(z.object({ number: z.string(), expiresAt: z.string() })),
          }),
        ),
      }),
    )
    .describe(
      "who the sweep e-mails (would e-mail, in a dry run) about which numbers: one e-mail per recipient",
    ),
});

export async function sweepRoutes(app: App, deps: Dependencies) {
  app.post(
    "/v1/sweeps",
    {
      config: { platformOnly: true },
      schema: {
        tags: ["operations"],
        summary: "Run every sweep once as of `at` (default now); a dry run changes and sends nothing",
        body: z.object({ at: time.optional(), dryRun: z.boolean().optional() }).nullish(),
        response: { 200: sweepReportSchema, ...errorResponses },
      },
    },
    async (request) =>
      sweepReportView(await runSweeps(deps, { at: request.body?.at, dryRun: request.body?.dryRun ?? false })),
  );
}
