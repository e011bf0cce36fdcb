import { z } from "zod";
import type { Db } from "../db/database.js";
import { findSites } from "../db/sites.js";
import type { NewNumberRow } from "../db/tables.js";
import type { ItemRefusal } from "../error-codes.js";
import { normalizeNumber } from "../lifecycle/phone-number.js";
import { CAPABILITIES } from "../lifecycle/states.js";

/** The attributes of a number a caller sets, as added and as edited later (`PATCH`). */
export const NUMBER_ATTRIBUTES = {
  vendor: z.string().trim().min(1).max(200),
  sku: z.string().trim().min(1).max(200),
  capabilities: z.array(z.enum(CAPABILITIES)).max(3),
  routing: z.string().max(500).nullish(),
  golden: z.boolean(),
  portedIn: z.boolean(),
  visibleToDomain: z.string().max(253).nullish(),
  siteId: z.uuid().nullish(),
  rangeName: z.string().max(200).nullish(),
  extension: z.string().max(20).nullish(),
  mainNumber: z.boolean(),
};

/** One number to add, as `POST /v1/numbers` and the CSV import take it (docs/domain.md#a-number). */
export const numberItemSchema = z
  .object({
    number: z.string(),
    vendor: NUMBER_ATTRIBUTES.vendor,
    country: z
      .string()
      .trim()
      .transform((value) => value.toUpperCase())
      .pipe(z.string().regex(/^[A-Z]{2}$/, "an ISO 3166 alpha-2 country code")),
    sku: NUMBER_ATTRIBUTES.sku,
    capabilities: NUMBER_ATTRIBUTES.capabilities.default(["voice"]),
    routing: NUMBER_ATTRIBUTES.routing,
    golden: NUMBER_ATTRIBUTES.golden.default(false),
    portedIn: NUMBER_ATTRIBUTES.portedIn.default(false),
    visibleToDomain: NUMBER_ATTRIBUTES.visibleToDomain,
    partnerId: z.uuid().nullish(),
    siteId: NUMBER_ATTRIBUTES.siteId,
    rangeName: NUMBER_ATTRIBUTES.rangeName,
    extension: NUMBER_ATTRIBUTES.extension,
    mainNumber: NUMBER_ATTRIBUTES.mainNumber.default(false),
    state: z.enum(["available", "locked"]).default("available"),
    lockExpiresAt: z.iso.datetime({ offset: true }).nullish(),
    remark: z.string().max(2000).nullish(),
  })
  .refine((item) => item.state === "locked" || !item.lockExpiresAt, {
    message: "lockExpiresAt is only allowed with state locked",
    path: ["lockExpiresAt"],
  });
export type NumberItem = z.infer<typeof numberItemSchema>;

/** Shape and number checks of one item; refusals name the item by its position. */
export function checkItem(
  raw: unknown,
  index: number,
): { ok: true; item: NumberItem & { number: string } } | { ok: false; refusal: ItemRefusal } {
  const given = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>).number : undefined;
  const shown = typeof given === "string" ? given : null;
  const parsed = numberItemSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join(".") || "item";
    return {
      ok: false,
      refusal: { index, number: shown, code: "validation_failed", message: `${field}: ${issue.message}` },
    };
  }
  const number = normalizeNumber(parsed.data.number);
  if (!number)
    return {
      ok: false,
      refusal: {
        index,
        number: shown,
        code: "malformed_number",
        message: `"${shown}" is not an E.164 phone number.`,
      },
    };
  return { ok: true, item: { ...parsed.data, number } };
}

/**
 * A number provisioned at a site belongs to the site operator's inventory: `siteId` must name an
 * existing site (else `validation_failed`), `partnerId` defaults to its operator and, when given,
 * must be that operator (else `not_at_site`). Fills in `partnerId` on the accepted items.
 */
export async function checkItemSites(
  db: Db,
  accepted: { index: number; item: NumberItem & { number: string } }[],
  refusals: ItemRefusal[],
) {
  const siteIds = [...new Set(accepted.map(({ item }) => item.siteId).filter((id): id is string => !!id))];
  const sites = await findSites(db, siteIds);
  for (const { index, item } of accepted) {
    if (!item.siteId) continue;
    const site = sites.get(item.siteId);
    if (!site)
      refusals.push({
        index,
        number: item.number,
        code: "validation_failed",
        message: `siteId: no site has the id ${item.siteId}.`,
      });
    else if (item.partnerId && item.partnerId !== site.operatorId)
      refusals.push({
        index,
        number: item.number,
        code: "not_at_site",
        message: `Partner ${item.partnerId} is not the operator of site ${site.id}; a site's numbers belong to its operator's inventory.`,
      });
    else item.partnerId = site.operatorId;
  }
}

export function toNumberRow(item: NumberItem & { number: string }, now: Date): NewNumberRow {
  const locked = item.state === "locked";
  return {
    number: item.number,
    state: item.state,
    vendor: item.vendor,
    country: item.country,
    sku: item.sku,
    capabilities: item.capabilities,
    routing: item.routing ?? null,
    golden: item.golden,
    ported_in: item.portedIn,
    visible_to_domain: item.visibleToDomain ?? null,
    partner_id: item.partnerId ?? null,
    site_id: item.siteId ?? null,
    range_name: item.rangeName ?? null,
    extension: item.extension ?? null,
    main_number: item.mainNumber,
    locked_at: locked ? now : null,
    // Imported as locked with no expiry: stays locked until someone acts (docs/domain.md#locks).
    lock_expires_at: locked && item.lockExpiresAt ? new Date(item.lockExpiresAt) : null,
    lock_remark: locked ? (item.remark ?? null) : null,
    created_at: now,
    updated_at: now,
  };
}
