import { z } from "zod";
import type { Dependencies } from "../../dependencies.js";
import { AppError } from "../../error-codes.js";
import { ORGANIZATION_KINDS } from "../../lifecycle/states.js";
import {
  changeOrganization,
  createOrganization,
  getOrganization,
  listVisibleOrganizations,
} from "../../services/organizations.js";
import type { App } from "../app.js";
import { errorResponses, idParams } from "../schemas.js";
import { organizationView } from "../views.js";

const email = z.email().max(320);
const organizationBody = z.object({
  name: z.string().trim().min(1).max(200),
  kind: z.enum(ORGANIZATION_KINDS),
  billingEmail: email,
  ownerEmail: email,
  supportEmail: email.nullish(),
  partnerId: z.uuid().nullish(),
});

const organizationSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(ORGANIZATION_KINDS),
  billingEmail: z.string(),
  ownerEmail: z.string(),
  supportEmail: z.string().nullable(),
  partnerId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const listQuery = z.strictObject({
  kind: z.enum(ORGANIZATION_KINDS).optional(),
  partnerId: z.uuid().optional(),
  q: z.string().trim().min(1).max(200).optional().describe("part of the name, any case"),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(2000).optional(),
});

const tags = ["organizations"];

/** Only these roles get as far as the body check; the rest are refused first. */
const creators = new Set(["platform_admin", "partner_admin"]);

export async function organizationRoutes(app: App, deps: Dependencies) {
  app.post(
    "/v1/organizations",
    {
      onRequest: async (request) => {
        if (!creators.has(request.principal.role))
          throw new AppError("forbidden", `A ${request.principal.role} key may not create organisations.`);
      },
      schema: {
        tags,
        summary: "Create an organisation (platform_admin; a partner_admin creates customers of its own)",
        body: organizationBody,
        response: { 201: organizationSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const organization = await createOrganization(deps, request.principal, {
        ...body,
        supportEmail: body.supportEmail ?? null,
        partnerId: body.partnerId ?? null,
      });
      return reply.code(201).send(organizationView(organization));
    },
  );

  app.get(
    "/v1/organizations",
    {
      schema: {
        tags,
        summary: "List the organisations in the key's scope, by name",
        description:
          "The platform sees all; a partner key itself and its customers; a customer key only itself. `q` matches names anywhere, in any case.",
        querystring: listQuery,
        response: {
          200: z.object({ items: z.array(organizationSchema), nextCursor: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const page = await listVisibleOrganizations(deps, request.principal, request.query);
      return { items: page.items.map(organizationView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    "/v1/organizations/:id",
    {
      schema: {
        tags,
        summary: "One organisation in the key's scope (404 outside it)",
        params: idParams,
        response: { 200: organizationSchema, ...errorResponses },
      },
    },
    async (request) =>
      organizationView(await getOrganization(deps, request.params.id, request.principal.scope)),
  );

  app.patch(
    "/v1/organizations/:id",
    {
      config: { platformOnly: true },
      schema: {
        tags,
        params: idParams,
        body: organizationBody.partial().refine((body) => Object.keys(body).length > 0, "at least one field"),
        response: { 200: organizationSchema, ...errorResponses },
      },
    },
    async (request) => {
      return organizationView(await changeOrganization(deps, request.params.id, request.body));
    },
  );
}
