import { createHash, randomBytes, randomUUID } from "node:crypto";
import { ensureBootstrapApiKey, insertApiKey, revokeApiKey } from "../db/api-keys.js";
import type { Db } from "../db/database.js";
import {
  findOrganization,
  findOrganizationDependents,
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
import { containsPattern, namePage, openNameCursor } from "./list-cursor.js";
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
  // Shared lock: the partner cannot stop being a partner until this customer is written.
  const partner = await findOrganization(db, partnerId, "share");
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
  return deps.db.transaction().execute(async (trx) => {
    await checkPartnerLink(trx, fields);
    return insertOrganization(trx, randomUUID(), fields, deps.clock.now());
  });
}

/**
 * An organisation's kind decides what its keys see and what may hang off it (customers of a
 * partner, a partner's inventory, the sites it operates or occupies). Changing it while any of
 * those exist would silently change who sees what, so it is refused until they are gone.
 */
async function refuseKindChangeInUse(db: Db, current: Organization, kind: Organization["kind"]) {
  const dependents = await findOrganizationDependents(db, current.id);
  const reasons = [
    dependents.apiKeys > 0 && `${dependents.apiKeys} API key(s) belong to it`,
    dependents.customers > 0 && `${dependents.customers} customer(s) belong to it`,
    dependents.inventoryNumbers && "numbers are in its inventory",
    dependents.heldNumbers && "it holds numbers",
    dependents.sites && "it operates or occupies a site",
  ].filter((reason): reason is string => typeof reason === "string");
  if (reasons.length === 0) return;
  throw new AppError(
    "organization_in_use",
    `Organisation ${current.id} cannot change from ${current.kind} to ${kind}: ${reasons.join("; ")}. Revoke its keys and move what depends on it first.`,
    reasons.map((reason) => ({ field: "kind", message: reason })),
  );
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
  const filters = { kind: query.kind, partnerId: query.partnerId, q: query.q };
  const list = { purpose: "organizations", filters };
  const rows = await listOrganizations(
    deps.db,
    principal.scope,
    {
      kind: query.kind,
      partnerId: query.partnerId,
      namePattern: query.q ? containsPattern(query.q) : undefined,
    },
    query.cursor ? await openNameCursor(deps, list, query.cursor) : undefined,
    query.limit + 1,
  );
  return namePage(deps, list, rows, query.limit);
}

export async function changeOrganization(
  deps: Dependencies,
  id: string,
  fields: Partial<OrganizationFields>,
) {
  return deps.db.transaction().execute(async (trx) => {
    const current = await findOrganization(trx, id, "update");
    if (!current) throw notFound(`Organisation ${id}`);
    if (fields.kind && fields.kind !== current.kind) await refuseKindChangeInUse(trx, current, fields.kind);
    await checkPartnerLink(trx, fields, current);
    const updated = await updateOrganization(trx, id, fields, deps.clock.now());
    if (!updated) throw notFound(`Organisation ${id}`);
    return updated;
  });
}

const ROLE_ORGANIZATION_KIND: Partial<Record<Role, Organization["kind"]>> = {
  partner_admin: "partner",
  customer_admin: "customer",
};

/**
 * Role ↔ organisation: platform_admin has none; partner_admin a partner; customer_admin a
 * customer; viewer any organisation, or none — the platform's view-only administrator, who sees
 * everything, so only a platform_admin (or an operator at the CLI, `creator` undefined) may make
 * one. The organisation is share-locked until the key is written, so its kind cannot change in
 * between (see refuseKindChangeInUse).
 */
export async function createApiKey(
  deps: Pick<Dependencies, "db">,
  role: Role,
  organizationId: string | null,
  creator?: Principal,
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
  if (role === "viewer" && !organizationId && creator && creator.role !== "platform_admin")
    throw new AppError("forbidden", "Only a platform_admin may make a viewer key without an organisation.");
  const id = randomUUID();
  const key = `nk_${randomBytes(32).toString("base64url")}`;
  await deps.db.transaction().execute(async (trx) => {
    if (organizationId) {
      const organization = await findOrganization(trx, organizationId, "share");
      if (!organization)
        throw new AppError("unknown_organization", `No organisation has the id ${organizationId}.`);
      if (neededKind && organization.kind !== neededKind)
        throw new AppError(
          "validation_failed",
          `A ${role} key must belong to a ${neededKind} organisation.`,
          [{ field: "organizationId", message: `Must name a ${neededKind}.` }],
        );
    }
    await insertApiKey(trx, { id, keyHash: hashApiKey(key), role, organizationId });
  });
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

/**
 * NUMBERS_ADMIN_KEY: a platform_admin key with exactly this value is added at the first start.
 * Later starts leave it as it is: once revoked it stays revoked (set a new value to get a new key).
 */
export async function ensureAdminKey(deps: Pick<Dependencies, "db" | "config" | "log">) {
  const key = deps.config.adminKey;
  if (!key) return;
  const stored = await ensureBootstrapApiKey(deps.db, {
    id: randomUUID(),
    keyHash: hashApiKey(key),
    role: "platform_admin",
    organizationId: null,
  });
  if (stored.revoked_at)
    deps.log.warn(
      { keyId: stored.id },
      "NUMBERS_ADMIN_KEY was revoked and stays revoked; set a new value to bootstrap a new key",
    );
}
