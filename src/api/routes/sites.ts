import { z } from "zod";
import type { Dependencies } from "../../dependencies.js";
import { setPin, updateSettings } from "../../services/number-settings.js";
import { parsePathNumber } from "../../services/numbers.js";
import { getSiteSummary, listVisibleSites } from "../../services/site-lists.js";
import {
  addOccupier,
  createSite,
  getEntitlement,
  getHuntGroup,
  getOccupiers,
  removeHuntGroupMember,
  setEntitlement,
  setForwarding,
} from "../../services/sites.js";
import type { App } from "../app.js";
import { errorResponses, idParams, numberParams, numberSchema } from "../schemas.js";
import { numberViewFor, occupierView, siteSummaryView, siteView } from "../views.js";

const tags = ["sites"];

const siteSchema = z.object({
  id: z.string(),
  name: z.string(),
  operatorId: z.string(),
  createdAt: z.string(),
});
const siteSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  operatorId: z.string(),
  operatorName: z.string(),
  occupiers: z
    .array(z.object({ id: z.string(), name: z.string() }))
    .describe("by name; a customer key sees only itself"),
  createdAt: z.string(),
});
const siteListQuery = z.strictObject({
  q: z.string().trim().min(1).max(200).optional().describe("part of the site's name, any case"),
  operatorId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(2000).optional(),
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
  allocated: z
    .array(z.object({ number: z.string(), transitionId: z.string() }))
    .describe("numbers this request allocated and activated (applied transitions, actor system)"),
  automaticMainNumber: z
    .object({ number: z.string(), transitionId: z.string() })
    .nullable()
    .describe("the main number among them, if one was"),
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
    "/v1/sites",
    {
      schema: {
        tags,
        summary: "List the sites in the key's scope, by name",
        description:
          "The platform sees all sites; a partner key the sites it operates; a customer key the sites it occupies.",
        querystring: siteListQuery,
        response: {
          200: z.object({ items: z.array(siteSummarySchema), nextCursor: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const page = await listVisibleSites(deps, request.principal, request.query);
      return { items: page.items.map(siteSummaryView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    "/v1/sites/:id",
    { schema: { tags, params: idParams, response: { 200: siteSummarySchema, ...errorResponses } } },
    async (request) => siteSummaryView(await getSiteSummary(deps, request.principal, request.params.id)),
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
        summary: "Set the organisation's voice services at the site; a raise allocates and activates numbers",
        description:
          "When voiceServices rises above the organisation's active numbers at the site, site numbers are allocated and activated for it at once (its main number first when it has none, then free numbers, lowest first), until they are equal or the site has none left; each is an applied transition with actor system.",
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

  app.delete(
    "/v1/sites/:id/hunt-groups/:organizationId/members/:number",
    {
      schema: {
        tags,
        summary: "Take a number out of the organisation's in-space hunt group by hand",
        params: organizationParams.extend({ number: numberParams.shape.number }),
        response: { 204: z.null().describe("removed"), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { id, organizationId, number } = request.params;
      await removeHuntGroupMember(deps, request.principal, id, organizationId, parsePathNumber(number));
      return reply.code(204).send(null);
    },
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
      numberViewFor(
        request.principal,
        deps.clock.now(),
      )(await updateSettings(deps, request.principal, parsePathNumber(request.params.number), request.body)),
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
      numberViewFor(
        request.principal,
        deps.clock.now(),
      )(await setPin(deps, request.principal, parsePathNumber(request.params.number), request.body.pin)),
  );
}
