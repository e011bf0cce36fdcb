import { randomUUID } from "node:crypto";
import {
  deleteHuntGroupMember,
  findMainNumberForwarding,
  listHuntGroupMembers,
  setMainNumberForwarding,
} from "../db/hunt-groups.js";
import { findOrganization } from "../db/organizations.js";
import {
  countActiveNumbers,
  findSite,
  findVoiceServices,
  insertOccupier,
  insertSite,
  isAtSite,
  isOccupier,
  listOccupiers,
  lockEntitlement,
  type Site,
  setVoiceServices,
} from "../db/sites.js";
import type { Dependencies } from "../dependencies.js";
import { AppError, notFound } from "../error-codes.js";
import type { Principal } from "./principal.js";
import { allocateForVoiceServices } from "./voice-service-allocation.js";

/**
 * A site is seen by the platform, its operator and its occupiers; anyone else gets 404, so a
 * key cannot learn that a site exists.
 */
async function visibleSite(deps: Dependencies, principal: Principal, id: string): Promise<Site> {
  const site = await findSite(deps.db, id);
  const scope = principal.scope;
  const visible =
    site &&
    (scope.kind === "all" ||
      (scope.kind === "partner" && site.operatorId === scope.partnerId) ||
      (scope.kind === "customer" && (await isOccupier(deps.db, site.id, scope.organizationId))));
  if (!visible) throw notFound(`Site ${id}`);
  return site;
}

const isOperatorAdmin = (principal: Principal, site: Site) =>
  principal.role === "platform_admin" ||
  (principal.role === "partner_admin" && principal.organizationId === site.operatorId);

/** Sites, occupiers and voice services are managed by the platform and the site's operator. */
async function managedSite(deps: Dependencies, principal: Principal, id: string): Promise<Site> {
  const site = await visibleSite(deps, principal, id);
  if (!isOperatorAdmin(principal, site))
    throw new AppError("forbidden", "Only the platform or the site's operator may change this site.");
  return site;
}

/** An organisation's own telephony at a site: visible to the platform, the operator and itself. */
async function visibleOrganizationAtSite(
  deps: Dependencies,
  principal: Principal,
  siteId: string,
  organizationId: string,
) {
  const site = await visibleSite(deps, principal, siteId);
  if (principal.scope.kind === "customer" && principal.scope.organizationId !== organizationId)
    throw notFound(`Organisation ${organizationId} at site ${siteId}`);
  await requireAtSite(deps, site, organizationId);
  return site;
}

async function requireAtSite(deps: Dependencies, site: Site, organizationId: string) {
  if (!(await isAtSite(deps.db, site, organizationId)))
    throw new AppError(
      "not_at_site",
      `Organisation ${organizationId} is neither the operator nor an occupier of site ${site.id}.`,
    );
}

export async function createSite(
  deps: Dependencies,
  principal: Principal,
  input: { name: string; operatorId: string },
) {
  if (
    principal.role !== "platform_admin" &&
    !(principal.role === "partner_admin" && principal.organizationId === input.operatorId)
  )
    throw new AppError("forbidden", "Only the platform, or a partner for itself, may create a site.");
  const operator = await findOrganization(deps.db, input.operatorId);
  if (operator?.kind !== "partner")
    throw new AppError("unknown_organization", `No partner organisation has the id ${input.operatorId}.`);
  return insertSite(deps.db, { id: randomUUID(), ...input, now: deps.clock.now() });
}

/**
 * Adds a customer as an occupier. A customer that belongs to a partner may only occupy that
 * partner's sites: its partner already acts for it, and a second one would split its numbers.
 */
export async function addOccupier(
  deps: Dependencies,
  principal: Principal,
  siteId: string,
  organizationId: string,
) {
  const site = await managedSite(deps, principal, siteId);
  const organization = await findOrganization(deps.db, organizationId);
  if (organization?.kind !== "customer")
    throw new AppError("unknown_organization", `No customer organisation has the id ${organizationId}.`);
  if (organization.partnerId && organization.partnerId !== site.operatorId)
    throw new AppError(
      "validation_failed",
      `Customer ${organizationId} belongs to partner ${organization.partnerId}, not to the site's operator.`,
      [{ field: "organizationId", message: "Must be a customer of the site's operator, or of no partner." }],
    );
  const added = await insertOccupier(deps.db, site.id, organization.id, deps.clock.now());
  const occupier = (await listOccupiers(deps.db, site.id)).find(
    (row) => row.organizationId === organization.id,
  )!;
  return { added, occupier: { siteId: site.id, ...occupier } };
}

export async function getOccupiers(deps: Dependencies, principal: Principal, siteId: string) {
  const site = await visibleSite(deps, principal, siteId);
  const occupiers = await listOccupiers(deps.db, site.id);
  // An occupier sees only itself among the site's occupiers.
  const scope = principal.scope;
  return scope.kind === "customer"
    ? occupiers.filter((row) => row.organizationId === scope.organizationId)
    : occupiers;
}

/**
 * Sets how many voice services the organisation has at the site. When they grow beyond its active
 * numbers there, site numbers are allocated and activated for it in the same transaction, under
 * the entitlement lock (`allocateForVoiceServices`); they are returned as `allocated`, the main
 * number among them also as `automaticMainNumber`. Lowering never deactivates anything.
 */
export async function setEntitlement(
  deps: Dependencies,
  principal: Principal,
  siteId: string,
  organizationId: string,
  voiceServices: number,
) {
  const site = await managedSite(deps, principal, siteId);
  await requireAtSite(deps, site, organizationId);
  const now = deps.clock.now();
  const allocated = await deps.db.transaction().execute(async (trx) => {
    const previous = await lockEntitlement(trx, site.id, organizationId, now);
    await setVoiceServices(trx, site.id, organizationId, voiceServices, now);
    // Only a raise allocates: sending the same value again, or a lower one, changes no number.
    return voiceServices > previous
      ? allocateForVoiceServices(trx, deps, site.id, organizationId, voiceServices)
      : [];
  });
  const main = allocated.find((number) => number.mainNumber);
  return {
    ...(await entitlementView(deps, site.id, organizationId)),
    allocated: allocated.map(({ number, transitionId }) => ({ number, transitionId })),
    automaticMainNumber: main ? { number: main.number, transitionId: main.transitionId } : null,
  };
}

export async function getEntitlement(
  deps: Dependencies,
  principal: Principal,
  siteId: string,
  organizationId: string,
) {
  await visibleOrganizationAtSite(deps, principal, siteId, organizationId);
  return {
    ...(await entitlementView(deps, siteId, organizationId)),
    allocated: [],
    automaticMainNumber: null,
  };
}

async function entitlementView(deps: Dependencies, siteId: string, organizationId: string) {
  return {
    siteId,
    organizationId,
    voiceServices: await findVoiceServices(deps.db, siteId, organizationId),
    activeNumbers: await countActiveNumbers(deps.db, siteId, organizationId),
  };
}

/** The operator sets call handling for anyone at its site; an occupier's admin for itself. */
async function callHandlingSite(
  deps: Dependencies,
  principal: Principal,
  siteId: string,
  organizationId: string,
) {
  const site = await visibleOrganizationAtSite(deps, principal, siteId, organizationId);
  const ownAdmin = principal.role === "customer_admin" && principal.organizationId === organizationId;
  if (!isOperatorAdmin(principal, site) && !ownAdmin)
    throw new AppError("forbidden", `A ${principal.role} key may not change call handling here.`);
  return site;
}

export async function setForwarding(
  deps: Dependencies,
  principal: Principal,
  siteId: string,
  organizationId: string,
  huntGroup: boolean,
) {
  const site = await callHandlingSite(deps, principal, siteId, organizationId);
  await setMainNumberForwarding(deps.db, site.id, organizationId, huntGroup, deps.clock.now());
  return { siteId: site.id, organizationId, huntGroup };
}

export async function getHuntGroup(
  deps: Dependencies,
  principal: Principal,
  siteId: string,
  organizationId: string,
) {
  await visibleOrganizationAtSite(deps, principal, siteId, organizationId);
  return {
    siteId,
    organizationId,
    huntGroup: await findMainNumberForwarding(deps.db, siteId, organizationId),
    members: await listHuntGroupMembers(deps.db, siteId, organizationId),
  };
}

/**
 * Takes a number out of the organisation's in-space hunt group by hand (docs/sites.md). It stays
 * active; only a later activation would add it again.
 */
export async function removeHuntGroupMember(
  deps: Dependencies,
  principal: Principal,
  siteId: string,
  organizationId: string,
  number: string,
) {
  const site = await callHandlingSite(deps, principal, siteId, organizationId);
  if (!(await deleteHuntGroupMember(deps.db, site.id, organizationId, number)))
    throw notFound(`Number ${number} in the hunt group of organisation ${organizationId} at site ${siteId}`);
}
