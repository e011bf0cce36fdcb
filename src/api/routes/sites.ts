import { z } from "zod";
import type { Dependencies } from "../../dependencies.js";
import { setPin, updateSettings } from "../../services/number-settings.js";
import { parsePathNumber } from "../../services/numbers.js";
import {
  addOccupier,
  createSite,
  getEntitlement,
  getHuntGroup,
  getOccupiers,
  getSite,
  setEntitlement,
  setForwarding,
} from "../../services/sites.js";
import type { App } from "../app.js";
import { errorResponses, idParams, numberParams, numberSchema } from "../schemas.js";
import { numberView, occupierView, siteView } from "../views.js";

const tags = ["sites"];

const siteSchema = z.object({
  id: z.string(),
  name: z.string(),
  operatorId: z.string(),
  createdAt: z.string(),
});
const occupierSchema = z.object({
  siteId: z.string(),
  organizationId: z.string(),
  name: z.string(),
  addedAt: z.string(),
});
const entitlementSchema = z.object({
  siteId: z.string(),
  organizationId: z.string(),
  voiceServices: z.number().int(),
  activeNumbers: z.number().int(),
  automaticMainNumber: z.object({ number: z.string(), transitionId: z.string() }).nullable(),
});
const huntGroupSchema = z.object({
  siteId: z.string(),
  organizationId: z.string(),
  huntGroup: z.boolean(),
  members: z.array(z.string()),
});
const forwardingSchema = huntGroupSchema.omit({ members: true });

const organizationParams = z.object({ id: z.uuid(), organizationId: z.uuid() });

export async function siteRoutes(app: App, deps: Dependencies) {
  app.post(
    "/v1/sites",
    {
      schema: {
        tags,
        summary: "Create a site operated by a partner",
        body: z.object({ name: z.string().trim().min(1).max(200), operatorId: z.uuid() }),
        response: { 201: siteSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply.code(201).send(siteView(await createSite(deps, request.principal, request.body))),
  );

  app.get(
    "/v1/sites/:id",
    { schema: { tags, params: idParams, response: { 200: siteSchema, ...errorResponses } } },
    async (request) => siteView(await getSite(deps, request.principal, request.params.id)),
  );

  app.post(
    "/v1/sites/:id/occupiers",
    {
      schema: {
        tags,
        summary: "Add a customer as an occupier (201 when new, 200 when it already was one)",
        params: idParams,
        body: z.object({ organizationId: z.uuid() }),
        response: { 200: occupierSchema, 201: occupierSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { added, occupier } = await addOccupier(
        deps,
        request.principal,
        request.params.id,
        request.body.organizationId,
      );
      return reply.code(added ? 201 : 200).send({ siteId: request.params.id, ...occupierView(occupier) });
    },
  );

  app.get(
    "/v1/sites/:id/occupiers",
    {
      schema: {
        tags,
        params: idParams,
        response: {
          200: z.object({ items: z.array(occupierSchema.omit({ siteId: true })) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const occupiers = await getOccupiers(deps, request.principal, request.params.id);
      return { items: occupiers.map(occupierView) };
    },
  );

  app.put(
    "/v1/sites/:id/entitlements/:organizationId",
    {
      schema: {
        tags,
        summary: "Set the organisation's voice services at the site; may activate a main number",
        params: organizationParams,
        body: z.object({ voiceServices: z.number().int().min(0).max(1_000_000) }),
        response: { 200: entitlementSchema, ...errorResponses },
      },
    },
    async (request) =>
      setEntitlement(
        deps,
        request.principal,
        request.params.id,
        request.params.organizationId,
        request.body.voiceServices,
      ),
  );

  app.get(
    "/v1/sites/:id/entitlements/:organizationId",
    { schema: { tags, params: organizationParams, response: { 200: entitlementSchema, ...errorResponses } } },
    async (request) =>
      getEntitlement(deps, request.principal, request.params.id, request.params.organizationId),
  );

  app.put(
    "/v1/sites/:id/main-number-forwarding/:organizationId",
    {
      schema: {
        tags,
        params: organizationParams,
        body: z.object({ huntGroup: z.boolean() }),
        response: { 200: forwardingSchema, ...errorResponses },
      },
    },
    async (request) =>
      setForwarding(
        deps,
        request.principal,
        request.params.id,
        request.params.organizationId,
        request.body.huntGroup,
      ),
  );

  app.get(
    "/v1/sites/:id/hunt-groups/:organizationId",
    { schema: { tags, params: organizationParams, response: { 200: huntGroupSchema, ...errorResponses } } },
    async (request) =>
      getHuntGroup(deps, request.principal, request.params.id, request.params.organizationId),
  );

  app.put(
    "/v1/numbers/:number/settings",
    {
      schema: {
        tags: ["numbers"],
        summary: "Replace an active number's call settings (free-form JSON object, at most 16 KiB)",
        params: numberParams,
        body: z.record(z.string(), z.unknown()),
        response: { 200: numberSchema, ...errorResponses },
      },
    },
    async (request) =>
      numberView(
        await updateSettings(deps, request.principal, parsePathNumber(request.params.number), request.body),
      ),
  );

  app.post(
    "/v1/numbers/:number/pin",
    {
      schema: {
        tags: ["numbers"],
        summary: "Set an active number's PIN (4 to 8 digits; only a hash is kept)",
        params: numberParams,
        body: z.object({ pin: z.string().regex(/^\d{4,8}$/, "4 to 8 digits") }),
        response: { 200: numberSchema, ...errorResponses },
      },
    },
    async (request) =>
      numberView(
        await setPin(deps, request.principal, parsePathNumber(request.params.number), request.body.pin),
      ),
  );
}
