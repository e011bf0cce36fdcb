import { sql } from "kysely";
import type { SideEffect } from "../lifecycle/number-state.js";
import type { Db, Trx } from "./database.js";
import type { NumberRow } from "./tables.js";

/** Main-number forwarding and the in-space hunt groups it rings (docs/sites.md). */

export async function setMainNumberForwarding(
  db: Db,
  siteId: string,
  organizationId: string,
  huntGroup: boolean,
  now: Date,
) {
  await db
    .insertInto("main_number_forwarding")
    .values({ site_id: siteId, organization_id: organizationId, hunt_group: huntGroup, updated_at: now })
    .onConflict((conflict) =>
      conflict
        .columns(["site_id", "organization_id"])
        .doUpdateSet({ hunt_group: huntGroup, updated_at: now }),
    )
    .execute();
}

export async function findMainNumberForwarding(db: Db, siteId: string, organizationId: string) {
  const row = await db
    .selectFrom("main_number_forwarding")
    .select("hunt_group")
    .where("site_id", "=", siteId)
    .where("organization_id", "=", organizationId)
    .executeTakeFirst();
  return row?.hunt_group ?? false;
}

export async function listHuntGroupMembers(db: Db, siteId: string, organizationId: string) {
  const rows = await db
    .selectFrom("hunt_group_members")
    .select("number")
    .where("site_id", "=", siteId)
    .where("organization_id", "=", organizationId)
    .orderBy("number")
    .execute();
  return rows.map((row) => row.number);
}

/** Removes one member; false when it was not in that hunt group. */
export async function deleteHuntGroupMember(db: Db, siteId: string, organizationId: string, number: string) {
  const result = await db
    .deleteFrom("hunt_group_members")
    .where("site_id", "=", siteId)
    .where("organization_id", "=", organizationId)
    .where("number", "=", number)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Carries out a change's hunt-group effects on the number as it now is, in the change's
 * transaction. Joining happens only when the owner's main number forwards to its in-space hunt
 * group at the number's site (docs/sites.md); the main number itself is what forwards, so it never joins.
 */
export async function applyHuntGroupEffects(
  trx: Trx,
  number: Pick<NumberRow, "number" | "site_id" | "owner_id" | "main_number">,
  effects: readonly SideEffect[],
  now: Date,
) {
  if (effects.includes("leave_hunt_group"))
    await trx.deleteFrom("hunt_group_members").where("number", "=", number.number).execute();
  if (effects.includes("stop_forwarding") && number.site_id && number.owner_id)
    await trx
      .updateTable("main_number_forwarding")
      .set({ hunt_group: false, updated_at: now })
      .where("site_id", "=", number.site_id)
      .where("organization_id", "=", number.owner_id)
      .where("hunt_group", "=", true)
      .execute();
  if (!effects.includes("join_hunt_group") || !number.site_id || !number.owner_id || number.main_number)
    return;
  await trx
    .insertInto("hunt_group_members")
    .columns(["site_id", "organization_id", "number", "added_at"])
    .expression((eb) =>
      eb
        .selectFrom("main_number_forwarding")
        .select([
          "site_id",
          "organization_id",
          sql<string>`${number.number}::text`.as("number"),
          sql<Date>`${now}::timestamptz`.as("added_at"),
        ])
        .where("site_id", "=", number.site_id!)
        .where("organization_id", "=", number.owner_id!)
        .where("hunt_group", "=", true),
    )
    .onConflict((conflict) => conflict.doNothing())
    .execute();
}
