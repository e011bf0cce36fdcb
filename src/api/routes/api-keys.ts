import { z } from "zod";
import type { Dependencies } from "../../dependencies.js";
import { ORGANIZATION_KINDS, ROLES } from "../../lifecycle/states.js";
import { createApiKey, currentKey, deleteApiKey } from "../../services/organizations.js";
import type { App } from "../app.js";
import { errorResponses, idParams } from "../schemas.js";
import { currentKeyView } from "../views.js";

const tags = ["api keys"];

export async function apiKeyRoutes(app: App, deps: Dependencies) {
  app.post(
    "/v1/api-keys",
    {
      config: { platformOnly: true },
      schema: {
        tags,
        body: z.object({ role: z.enum(ROLES), organizationId: z.uuid().nullish() }),
        response: {
          201: z.object({
            id: z.string(),
            key: z.string(),
            role: z.enum(ROLES),
            organizationId: z.string().nullable(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const created = await createApiKey(
        deps,
        request.body.role,
        request.body.organizationId ?? null,
        request.principal,
      );
      return reply.code(201).send(created);
    },
  );

  app.get(
    "/v1/api-keys/current",
    {
      schema: {
        tags,
        summary: "The key this request presents: its role and organisation (any key)",
        response: {
          200: z.object({
            id: z.string(),
            role: z.enum(ROLES),
            organizationId: z.string().nullable(),
            organizationName: z.string().nullable(),
            organizationKind: z.enum(ORGANIZATION_KINDS).nullable(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => currentKeyView(await currentKey(deps, request.principal)),
  );

  app.delete(
    "/v1/api-keys/:id",
    {
      config: { platformOnly: true },
      schema: { tags, params: idParams, response: { 204: z.null(), ...errorResponses } },
    },
    async (request, reply) => {
      await deleteApiKey(deps, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
