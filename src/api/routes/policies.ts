import { z } from "zod";
import type { Dependencies } from "../../dependencies.js";
import {
  MAX_PERIOD_DAYS,
  type NumberPolicy,
  PERIOD_NAMES,
  type PolicyClass,
} from "../../lifecycle/policies.js";
import { applyPolicies } from "../../services/apply-policies.js";
import { listPolicies, replacePolicies } from "../../services/policies.js";
import type { App } from "../app.js";
import { errorResponses } from "../schemas.js";
import { policyApplyReportView } from "../views.js";

const tags = ["policies"];

/** At most this many policies in one set: they are read on every transition. */
export const MAX_POLICIES = 1000;

const days = z.number().int().min(0).max(MAX_PERIOD_DAYS);
const periodFields = Object.fromEntries(PERIOD_NAMES.map((name) => [name, days.optional()])) as Record<
  (typeof PERIOD_NAMES)[number],
  z.ZodOptional<typeof days>
>;

const country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, "an ISO 3166 alpha-2 country code")
  .transform((value) => value.toUpperCase());

/** `sku:` and the SKU exactly as numbers carry it: no surrounding spaces, no control characters. */
const skuClass = z
  .string()
  .max(204)
  .refine((value) => /^sku:\S(.*\S)?$/.test(value) && !/\p{Cc}/u.test(value), {
    message: 'ported_in, golden, or "sku:" followed by a SKU',
  });
const numberClass = z.union([z.enum(["ported_in", "golden"]), skuClass]);

const policyInput = z
  .strictObject({ country: country.nullish(), class: numberClass.nullish(), ...periodFields })
  .refine((policy) => policy.country || policy.class, {
    message: "A policy needs a country, a class, or both.",
  })
  .transform((policy): NumberPolicy => {
    const periods = Object.fromEntries(
      PERIOD_NAMES.flatMap((name) => (name in policy ? [[name, policy[name]]] : [])),
    );
    return {
      country: policy.country ?? null,
      class: (policy.class ?? null) as PolicyClass | null,
      ...periods,
    };
  });

const policySet = z.strictObject({
  policies: z
    .array(policyInput)
    .max(MAX_POLICIES)
    .superRefine((policies, context) => {
      const seen = new Map<string, number>();
      for (const [index, policy] of policies.entries()) {
        const key = `${policy.country ?? ""}|${policy.class ?? ""}`;
        const first = seen.get(key);
        if (first !== undefined)
          context.addIssue({
            code: "custom",
            path: [index],
            message: `the same country and class as policy ${first}; send one policy per pair`,
          });
        else seen.set(key, index);
      }
    }),
});

const policyView = z.object({
  country: z.string().nullable(),
  class: z.string().nullable(),
  ...periodFields,
});
const policiesResponse = z.object({ policies: z.array(policyView) });

const applyReport = z.object({
  numbers: z.number().int(),
  changes: z.array(
    z.object({
      number: z.string(),
      field: z.enum(["reservation.expiresAt", "lock.expiresAt", "cooldownUntil"]),
      from: z.string(),
      to: z.string(),
    }),
  ),
});

export async function policyRoutes(app: App, deps: Dependencies) {
  app.get(
    "/v1/policies",
    {
      schema: {
        tags,
        summary: "The number policies: period overrides per country and number class",
        response: { 200: policiesResponse, ...errorResponses },
      },
    },
    async () => ({ policies: await listPolicies(deps.db) }),
  );

  app.put(
    "/v1/policies",
    {
      config: { platformOnly: true },
      schema: {
        tags,
        summary: "Replace the whole policy set; it applies to timers started after it",
        body: policySet,
        response: { 200: policiesResponse, ...errorResponses },
      },
    },
    async (request) => ({
      policies: await replacePolicies(deps, request.principal, request.body.policies),
    }),
  );

  app.post(
    "/v1/policies/apply",
    {
      config: { platformOnly: true },
      schema: {
        tags,
        summary: "Recompute running timers from their start under today's policies (a dry run by default)",
        body: z.strictObject({ dryRun: z.boolean().optional() }).nullish(),
        response: { 200: applyReport, ...errorResponses },
      },
    },
    async (request) =>
      policyApplyReportView(await applyPolicies(deps, { dryRun: request.body?.dryRun ?? true })),
  );
}
