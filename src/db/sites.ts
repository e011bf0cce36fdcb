import { sql } from "kysely";
import type { SiteFacts } from "../lifecycle/number-state.js";
import type { Db, Trx } from "./database.js";

export interface Site {
  id: string;
  name: string;
  operatorId: string;
  createdAt: Date;
}

export interface Occupier {
  organizationId: string;
  name: string;
  addedAt: Date;
}

export async function insertSite(
  db: Db,
  site: { id: string; name: string; operatorId: string; now: Date },
): Promise<Site> {
  const row = await db
    .insertInto("sites")
    .values({ id: site.id, name: site.name, operator_id: site.operatorId, created_at: site.now })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSite(row);
}

export async function findSite(db: Db, id: string): Promise<Site | null> {
  const row = await db.selectFrom("sites").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toSite(row) : null;
}

const toSite = (row: { id: string; name: string; operator_id: string; created_at: Date }): Site => ({
  id: row.id,
  name: row.name,
  operatorId: row.operator_id,
  createdAt: row.created_at,
});

/** Sites that exist among `ids`, with their operators (for checking numbers provisioned at them). */
export async function findSites(db: Db, ids: string[]): Promise<Map<string, Site>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .selectFrom("sites")
    .selectAll()
    .where("id", "=", sql<string>`ANY(${ids}::uuid[])`)
    .execute();
  return new Map(rows.map((row) => [row.id, toSite(row)]));
}

/** Adds an occupier; false when it already was one. */
export async function insertOccupier(db: Db, siteId: string, organizationId: string, now: Date) {
  const inserted = await db
    .insertInto("site_occupiers")
    .values({ site_id: siteId, organization_id: organizationId, created_at: now })
    .onConflict((conflict) => conflict.columns(["site_id", "organization_id"]).doNothing())
    .returning("site_id")
    .executeTakeFirst();
  return !!inserted;
}

export async function listOccupiers(db: Db, siteId: string): Promise<Occupier[]> {
  const rows = await db
    .selectFrom("site_occupiers")
    .innerJoin("organizations", "organizations.id", "site_occupiers.organization_id")
    .select(["organizations.id", "organizations.name", "site_occupiers.created_at"])
    .where("site_occupiers.site_id", "=", siteId)
    .orderBy("site_occupiers.created_at")
    .orderBy("organizations.id")
    .execute();
  return rows.map((row) => ({
    organizationId: row.id,
    name: row.name,
    addedAt: row.created_at,
  }));
}

export async function isOccupier(db: Db, siteId: string, organizationId: string): Promise<boolean> {
  const row = await db
    .selectFrom("site_occupiers")
    .select("site_id")
    .where("site_id", "=", siteId)
    .where("organization_id", "=", organizationId)
    .executeTakeFirst();
  return !!row;
}

export async function occupiesSiteOperatedBy(db: Db, organizationId: string, operatorId: string) {
  const row = await db
    .selectFrom("site_occupiers")
    .innerJoin("sites", "sites.id", "site_occupiers.site_id")
    .select("sites.id")
    .where("site_occupiers.organization_id", "=", organizationId)
    .where("sites.operator_id", "=", operatorId)
    .executeTakeFirst();
  return !!row;
}

/** The operator or an occupier of the site. */
export async function isAtSite(db: Db, site: Site, organizationId: string): Promise<boolean> {
  return site.operatorId === organizationId || isOccupier(db, site.id, organizationId);
}

/**
 * Locks the organisation's entitlement row (creating it with 0 voice services if missing) and
 * returns its voice services. Every activation at the site for this organisation takes this lock
 * before counting, so two racing for the last voice service run one after the other.
 */
export async function lockEntitlement(
  trx: Trx,
  siteId: string,
  organizationId: string,
  now: Date,
): Promise<number> {
  await trx
    .insertInto("site_entitlements")
    .values({ site_id: siteId, organization_id: organizationId, voice_services: 0, updated_at: now })
    .onConflict((conflict) => conflict.columns(["site_id", "organization_id"]).doNothing())
    .execute();
  const row = await trx
    .selectFrom("site_entitlements")
    .select("voice_services")
    .where("site_id", "=", siteId)
    .where("organization_id", "=", organizationId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return row.voice_services;
}

export async function findVoiceServices(db: Db, siteId: string, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom("site_entitlements")
    .select("voice_services")
    .where("site_id", "=", siteId)
    .where("organization_id", "=", organizationId)
    .executeTakeFirst();
  return row?.voice_services ?? 0;
}

export async function setVoiceServices(
  trx: Trx,
  siteId: string,
  organizationId: string,
  voiceServices: number,
  now: Date,
) {
  await trx
    .updateTable("site_entitlements")
    .set({ voice_services: voiceServices, updated_at: now })
    .where("site_id", "=", siteId)
    .where("organization_id", "=", organizationId)
    .execute();
}

/** The organisation's numbers at the site that are assigned (in service): what voice services cover. */
export async function countActiveNumbers(db: Db, siteId: string, organizationId: string): Promise<number> {
  const row = await db
    .selectFrom("numbers")
    .select(sql<number>`count(*)::int`.as("count"))
    .where("site_id", "=", siteId)
    .where("owner_id", "=", organizationId)
    .where("state", "=", "assigned")
    .executeTakeFirstOrThrow();
  return row.count;
}

/** The organisation's main numbers at the site (allocated or active), other than `except`. */
export async function findMainNumbers(db: Db, siteId: string, organizationId: string, except?: string) {
  let query = db
    .selectFrom("numbers")
    .select(["number", "state", "pending_transition_id"])
    .where("site_id", "=", siteId)
    .where("owner_id", "=", organizationId)
    .where("main_number", "=", true)
    .where("state", "in", ["reserved", "assigned"])
    .orderBy("number");
  if (except) query = query.where("number", "<>", except);
  return query.execute();
}

/**
 * Free numbers of the site, lowest first, locked for the caller's transaction: available, nothing
 * pending, main numbers or the others. Rows another transaction holds are skipped, not waited
 * for, so a caller that holds an entitlement lock never waits on a number row (the lock order
 * elsewhere is number row, then entitlement row).
 */
export async function claimFreeSiteNumbers(
  trx: Trx,
  siteId: string,
  mainNumber: boolean,
  limit: number,
): Promise<string[]> {
  if (limit <= 0) return [];
  const rows = await trx
    .selectFrom("numbers")
    .select("number")
    .where("site_id", "=", siteId)
    .where("state", "=", "available")
    .where("pending_transition_id", "is", null)
    .where("main_number", "=", mainNumber)
    .orderBy("number")
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return rows.map((row) => row.number);
}

/**
 * What the site rules need to know about `organizationId` at the number's site. With `lockIn`,
 * the organisation's entitlement row is locked first in that transaction, so the counts read
 * after it cannot be changed by a concurrent activation until it ends.
 */
export async function loadSiteFacts(
  db: Db,
  number: { number: string; siteId: string },
  organizationId: string,
  options: { lockIn: Trx | null; now: Date },
): Promise<SiteFacts> {
  const site = await findSite(db, number.siteId);
  const organizationAtSite = !!site && (await isAtSite(db, site, organizationId));
  // An organisation that is not at the site is refused anyway; no entitlement row for it.
  const voiceServices =
    organizationAtSite && options.lockIn
      ? await lockEntitlement(options.lockIn, number.siteId, organizationId, options.now)
      : await findVoiceServices(db, number.siteId, organizationId);
  const mains = await findMainNumbers(db, number.siteId, organizationId, number.number);
  return {
    organizationAtSite,
    organizationHasMainNumber: mains.length > 0,
    activeNumbers: await countActiveNumbers(db, number.siteId, organizationId),
    voiceServices,
  };
}
