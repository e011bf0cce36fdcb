import { z } from "zod";
import { insertHistory } from "../db/history.js";
import { findNumberWithNames, type NamedNumberRow } from "../db/number-names.js";
import { lockNumber, updateNumber } from "../db/numbers.js";
import { findSite } from "../db/sites.js";
import type { NumberRow, NumberUpdate } from "../db/tables.js";
import type { Dependencies } from "../dependencies.js";
import { AppError, notFound } from "../error-codes.js";
import { NUMBER_ATTRIBUTES } from "./number-items.js";
import type { Principal } from "./principal.js";
import { refuseIfPending } from "./transitions.js";

/** Each editable field (its JSON name) and its column. The life-cycle is changed by transitions only. */
const EDITABLE = {
  vendor: "vendor",
  sku: "sku",
  capabilities: "capabilities",
  routing: "routing",
  golden: "golden",
  portedIn: "ported_in",
  visibleToDomain: "visible_to_domain",
  rangeName: "range_name",
  extension: "extension",
  mainNumber: "main_number",
  siteId: "site_id",
} as const satisfies Record<string, keyof NumberRow>;
type EditableField = keyof typeof EDITABLE;

/** Where a number is and what it answers for: only while it is free, never under someone's use. */
const WHILE_AVAILABLE: readonly EditableField[] = ["siteId", "mainNumber"];

/** `PATCH /v1/numbers/{number}`: any other field (state, ownerId, …) is refused by name. */
export const numberEditSchema = z
  .strictObject(
    Object.fromEntries(
      Object.keys(EDITABLE).map((field) => [field, NUMBER_ATTRIBUTES[field as EditableField].optional()]),
    ) as { [F in EditableField]: z.ZodOptional<(typeof NUMBER_ATTRIBUTES)[F]> },
  )
  .refine((body) => Object.keys(body).length > 0, "name at least one field to change");
export type NumberEdit = z.infer<typeof numberEditSchema>;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Corrects a number's attributes on its locked row, in one transaction with one history entry
 * (`edit`) holding the changed fields before and after. The platform may edit any number, a
 * partner the numbers of its own inventory. A number moved to a site joins its operator's
 * inventory, as it would when added there.
 */
export async function editNumber(
  deps: Dependencies,
  principal: Principal,
  number: string,
  edit: NumberEdit,
): Promise<NamedNumberRow> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const row = await lockNumber(trx, number, principal.scope);
    if (!row) throw notFound(`Number ${number}`);
    requireEditor(principal, row);
    refuseIfPending(row);

    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    const columns: NumberUpdate = {};
    for (const [field, column] of Object.entries(EDITABLE) as [EditableField, keyof NumberRow][]) {
      const value = edit[field];
      if (value === undefined || same(value, row[column])) continue;
      before[field] = row[column];
      after[field] = value ?? null;
      (columns as Record<string, unknown>)[column] = value ?? null;
    }
    const moved = Object.keys(after).filter((field) => WHILE_AVAILABLE.includes(field as EditableField));
    if (moved.length > 0 && row.state !== "available")
      throw new AppError(
        "invalid_state",
        `Cannot change ${moved.join(" or ")} of a number that is ${row.state}; it must be available.`,
      );
    if (typeof after.siteId === "string") {
      const partnerId = await inventoryAtSite(trx, principal, row, after.siteId);
      if (partnerId !== row.partner_id) {
        before.partnerId = row.partner_id;
        after.partnerId = partnerId;
        columns.partner_id = partnerId;
      }
    }

    if (Object.keys(after).length > 0) {
      await updateNumber(trx, number, columns, now);
      await insertHistory(trx, [
        {
          number,
          at: now,
          action: "edit",
          actor: principal.actor,
          remark: null,
          transitionId: null,
          before,
          after,
          // Moving to another site can change the inventory partner: both may read the entry.
          audience: { ownerIds: [row.owner_id], partnerIds: [row.partner_id, columns.partner_id ?? null] },
        },
      ]);
    }
    return (await findNumberWithNames(trx, number, principal.scope))!;
  });
}

function requireEditor(principal: Principal, row: NumberRow) {
  if (principal.role === "platform_admin") return;
  if (
    principal.role === "partner_admin" &&
    principal.scope.kind === "partner" &&
    row.partner_id === principal.scope.partnerId
  )
    return;
  throw new AppError(
    "forbidden",
    principal.role === "partner_admin"
      ? "A partner may edit only the numbers of its own inventory."
      : `A ${principal.role} key may not edit numbers.`,
  );
}

/**
 * The inventory a number has at `siteId`: its operator's. A site that does not exist, or that
 * another partner than the number's own operates, is refused as a bad `siteId` (in the same words
 * for a partner, which must not learn whether another partner's site exists).
 */
async function inventoryAtSite(
  trx: Parameters<typeof findSite>[0],
  principal: Principal,
  row: NumberRow,
  siteId: string,
): Promise<string> {
  const site = await findSite(trx, siteId);
  const refuse = (message: string) =>
    new AppError("validation_failed", message, [{ field: "body.siteId", message }]);
  const foreign = site && row.partner_id && row.partner_id !== site.operatorId;
  if (principal.scope.kind !== "all" && (!site || foreign))
    throw refuse(`None of your sites has the id ${siteId}.`);
  if (!site) throw refuse(`No site has the id ${siteId}.`);
  if (foreign)
    throw refuse(
      `Site ${siteId} is operated by another partner than the number's; a site's numbers belong to its operator's inventory.`,
    );
  return site.operatorId;
}
