import { createHash, randomBytes, randomUUID } from "node:crypto";
import { insertApiKey, revokeApiKey } from "../db/api-keys.js";
import type { Db } from "../db/database.js";
import {
  findOrganization,
  findOrganizationInScope,
  insertOrganization,
  listOrganizations,
  type Organization,
  type OrganizationFields,
  updateOrganization,
} from "../db/organizations.js";
import type { Scope } from "../db/scope.js";
import type { Dependencies } from "../dependencies.js";
import { AppError, notFound } from "../error-codes.js";
import type { Role } from "../lifecycle/states.js";
import { containsPattern, decodeNameCursor, namePage } from "./list-cursor.js";
import type { Principal } from "./principal.js";

/** API keys are 256 random bits, so a plain SHA-256 is a safe hash to store (no slow KDF needed). */
export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");

async function checkPartnerLink(db: Db, fields: Partial<OrganizationFields>, current?: Organization) {
  const kind = fields.kind ?? current?.kind;
  const partnerId = fields.partnerId === undefined ? current?.partnerId : fields.partnerId;
  if (!partnerId) return;
  if (kind !== "customer")
    throw new AppError("validation_failed", "Only a customer may belong to a partner.", [
      { field: "partnerId", message: "Only a customer may belong to a partner." },
    ]);
  const partner = await findOrganization(db, partnerId);
  if (partner?.kind !== "partner")
    throw new AppError("unknown_organization", `No partner organisation has the id ${partnerId}.`);
}

/**
 * Creates an organisation. The platform creates any; a partner creates customers of its own
 * (their `partnerId` is set to it), so its support desk can take on a customer without waiting
 * for the platform.
 */
export async function createOrganization(
  deps: Dependencies,
  principal: Principal,
  fields: OrganizationFields,
) {
  if (principal.role === "partner_admin" && principal.scope.kind === "partner") {
    const partnerId = principal.scope.partnerId;
    if (fields.kind !== "customer")
      throw new AppError("forbidden", "A partner may create customers only, not partners.");
    if (fields.partnerId && fields.partnerId !== partnerId)
      throw new AppError("forbidden", "A partner may create customers of its own only.");
    fields = { ...fields, partnerId };
  } else if (principal.role !== "platform_admin")
    throw new AppError("forbidden", `A ${principal.role} key may not create organisations.`);
  await checkPartnerLink(deps.db, fields);
  return insertOrganization(deps.db, randomUUID(), fields, deps.clock.now());
}

/** One organisation, if the key's scope lists it (404 otherwise, as for anything out of scope). */
export async function getOrganization(deps: Dependencies, id: string, scope: Scope = { kind: "all" }) {
  const organization = await findOrganizationInScope(deps.db, id, scope);
  if (!organization) throw notFound(`Organisation ${id}`);
  return organization;
}

export interface OrganizationQuery {
  kind?: Organization["kind"];
  partnerId?: string;
  q?: string;
  limit: number;
  cursor?: string;
}

/** `GET /v1/organizations`: the scope's organisations by name, a keyset page at a time. */
export async function listVisibleOrganizations(
  deps: Dependencies,
  principal: Principal,
  query: OrganizationQuery,
) {
  const rows = await listOrganizations(
    deps.db,
    principal.scope,
    {
      kind: query.kind,
      partnerId: query.partnerId,
      namePattern: query.q ? containsPattern(query.q) : undefined,
    },
    query.cursor ? decodeNameCursor(query.cursor) : undefined,
    query.limit + 1,
  );
  return namePage(rows, query.limit);
}

export async function changeOrganization(
  deps: Dependencies,
  id: string,
  fields: Partial<OrganizationFields>,
) {
  const current = await getOrganization(deps, id);
  await checkPartnerLink(deps.db, fields, current);
  const updated = await updateOrganization(deps.db, id, fields, deps.clock.now());
  if (!updated) throw notFound(`Organisation ${id}`);
  return updated;
}

const ROLE_ORGANIZATION_KIND: Partial<Record<Role, Organization["kind"]>> = {
  partner_admin: "partner",
  customer_admin: "customer",
};

export async function createApiKey(
  deps: Pick<Dependencies, "db">,
  role: Role,
  organizationId: string | null,
) {
  const neededKind = ROLE_ORGANIZATION_KIND[role];
  if (role === "platform_admin" && organizationId)
    throw new AppError("validation_failed", "A platform_admin key belongs to no organisation.", [
      { field: "organizationId", message: "Must be omitted for platform_admin." },
    ]);
  if (neededKind && !organizationId)
    throw new AppError("validation_failed", `A ${role} key needs an organizationId.`, [
      { field: "organizationId", message: "Required for this role." },
    ]);
  if (organizationId) {
    const organization = await findOrganization(deps.db, organizationId);
    if (!organization)
      throw new AppError("unknown_organization", `No organisation has the id ${organizationId}.`);
    if (neededKind && organization.kind !== neededKind)
      throw new AppError("validation_failed", `A ${role} key must belong to a ${neededKind} organisation.`, [
        { field: "organizationId", message: `Must name a ${neededKind}.` },
      ]);
  }
  const id = randomUUID();
  const key = `nk_${randomBytes(32).toString("base64url")}`;
  await insertApiKey(deps.db, { id, keyHash: hashApiKey(key), role, organizationId });
  return { id, key, role, organizationId };
}

export async function deleteApiKey(deps: Dependencies, id: string) {
  if (!(await revokeApiKey(deps.db, id, deps.clock.now()))) throw notFound(`API key ${id}`);
}

/**
 * The key a caller presents, with its organisation's name: what a console needs to greet the
 * person and to offer only the pages and buttons of the key's role.
 */
export async function currentKey(deps: Pick<Dependencies, "db">, principal: Principal) {
  const organization = principal.organizationId
    ? await findOrganization(deps.db, principal.organizationId)
    : null;
  return { principal, organization };
}
export type CurrentKey = Awaited<ReturnType<typeof currentKey>>;

/** NUMBERS_ADMIN_KEY: a platform_admin key with exactly this value exists (bootstrap). */
export async function ensureAdminKey(deps: Pick<Dependencies, "db" | "config">) {
  const key = deps.config.adminKey;
  if (!key) return;
  await insertApiKey(deps.db, {
    id: randomUUID(),
    keyHash: hashApiKey(key),
    role: "platform_admin",
    organizationId: null,
  });
}
