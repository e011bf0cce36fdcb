import { z } from "zod";
import type { Dependencies } from "../../dependencies.js";
import { ORGANIZATION_KINDS } from "../../lifecycle/states.js";
import { changeOrganization, createOrganization, getOrganization } from "../../services/organizations.js";
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

const tags = ["organizations"];

export async function organizationRoutes(app: App, deps: Dependencies) {
  app.post(
    "/v1/organizations",
    {
      config: { platformOnly: true },
      schema: { tags, body: organizationBody, response: { 201: organizationSchema, ...errorResponses } },
    },
    async (request, reply) => {
      const body = request.body;
      const organization = await createOrganization(deps, {
        ...body,
        supportEmail: body.supportEmail ?? null,
        partnerId: body.partnerId ?? null,
      });
      return reply.code(201).send(organizationView(organization));
    },
  );

  app.get(
    "/v1/organizations/:id",
    {
      config: { platformOnly: true },
      schema: { tags, params: idParams, response: { 200: organizationSchema, ...errorResponses } },
    },
    async (request) => {
      return organizationView(await getOrganization(deps, request.params.id));
    },
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
