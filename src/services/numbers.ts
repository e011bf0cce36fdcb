import { insertHistory, listHistory } from "../db/history.js";
import { historySnapshot, toSnapshot } from "../db/number-columns.js";
import { findNumbersWithNames, findNumberWithNames } from "../db/number-names.js";
import { existingNumbers, insertNumbers } from "../db/numbers.js";
import { findOrganizations } from "../db/organizations.js";
import type { Dependencies } from "../dependencies.js";
import { AppError, type ItemRefusal, ItemsRefused, notFound } from "../error-codes.js";
import { normalizeNumber } from "../lifecycle/phone-number.js";
import { checkItem, checkItemSites, type NumberItem, toNumberRow } from "./number-items.js";
import type { Principal } from "./principal.js";
import { openCursor, sealCursor } from "./sealed-cursor.js";

export const MAX_NUMBERS_PER_REQUEST = 50;

/** A number named in a path: E.164 with or without "+", as the contract allows. */
export function parsePathNumber(raw: string): string {
  const number = normalizeNumber(raw);
  if (!number)
    throw new AppError("validation_failed", `"${raw}" is not an E.164 phone number.`, [
      { field: "number", message: "Must be E.164: + and 8 to 15 digits." },
    ]);
  return number;
}

/**
 * Adds 1–50 numbers, all or nothing: every refused item is reported with its index and reason,
 * and then nothing is added.
 */
export async function addNumbers(deps: Dependencies, principal: Principal, items: unknown[]) {
  if (principal.role !== "platform_admin" && principal.role !== "partner_admin")
    throw new AppError("forbidden", `A ${principal.role} key may not add numbers.`);
  if (items.length > MAX_NUMBERS_PER_REQUEST)
    throw new AppError(
      "too_many_numbers",
      `At most ${MAX_NUMBERS_PER_REQUEST} numbers can be added in one request; ${items.length} were sent. Use the CSV import for more.`,
      [{ field: "numbers", message: `At most ${MAX_NUMBERS_PER_REQUEST} items.` }],
    );

  const refusals: ItemRefusal[] = [];
  const accepted: { index: number; item: NumberItem & { number: string } }[] = [];
  const seen = new Map<string, number>();
  for (const [index, raw] of items.entries()) {
    const checked = checkItem(raw, index);
    if (!checked.ok) {
      refusals.push(checked.refusal);
      continue;
    }
    const { item } = checked;
    if (principal.scope.kind === "partner") {
      if (item.partnerId && item.partnerId !== principal.scope.partnerId) {
        refusals.push({
          index,
          number: item.number,
          code: "forbidden",
          message: "A partner adds numbers only to its own inventory.",
        });
        continue;
      }
      item.partnerId = principal.scope.partnerId;
    }
    const first = seen.get(item.number);
    if (first !== undefined) {
      refusals.push({
        index,
        number: item.number,
        code: "duplicate_in_request",
        message: `Same number as item ${first}.`,
      });
      continue;
    }
    seen.set(item.number, index);
    accepted.push({ index, item });
  }

  const existing = await existingNumbers(
    deps.db,
    accepted.map(({ item }) => item.number),
  );
  for (const { index, item } of accepted)
    if (existing.has(item.number))
      refusals.push({
        index,
        number: item.number,
        code: "already_exists",
        message: "This number is already in inventory.",
      });
  await checkPartners(deps, accepted, refusals);
  await checkItemSites(deps.db, accepted, refusals);

  if (refusals.length > 0) {
    refusals.sort((a, b) => a.index - b.index);
    throw new ItemsRefused(
      `${refusals.length} of ${items.length} numbers were refused, so none were added.`,
      refusals,
    );
  }

  const now = deps.clock.now();
  try {
    await deps.db.transaction().execute(async (trx) => {
      const inserted = await insertNumbers(
        trx,
        accepted.map(({ item }) => toNumberRow(item, now)),
      );
      await insertHistory(
        trx,
        inserted.map((row) => ({
          number: row.number,
          at: now,
          action: "add",
          actor: principal.actor,
          remark: row.lock_remark,
          transitionId: null,
          before: null,
          after: historySnapshot(toSnapshot(row)),
          audience: { ownerIds: [row.owner_id], partnerIds: [row.partner_id] },
        })),
      );
    });
    return await findNumbersWithNames(
      deps.db,
      accepted.map(({ item }) => item.number),
      principal.scope,
    );
  } catch (error) {
    // Another request added one of them between our check and our insert.
    if ((error as { code?: string }).code === "23505")
      throw new ItemsRefused("Some of these numbers were added meanwhile, so none were added.", []);
    throw error;
  }
}

async function checkPartners(
  deps: Dependencies,
  accepted: { index: number; item: NumberItem & { number: string } }[],
  refusals: ItemRefusal[],
) {
  const partnerIds = [
    ...new Set(accepted.map(({ item }) => item.partnerId).filter((id): id is string => !!id)),
  ];
  if (partnerIds.length === 0) return;
  const organizations = await findOrganizations(deps.db, partnerIds);
  for (const { index, item } of accepted)
    if (item.partnerId && organizations.get(item.partnerId)?.kind !== "partner")
      refusals.push({
        index,
        number: item.number,
        code: "unknown_organization",
        message: `No partner has the id ${item.partnerId}.`,
      });
}

export async function getNumber(deps: Dependencies, principal: Principal, number: string) {
  const row = await findNumberWithNames(deps.db, number, principal.scope);
  if (!row) throw notFound(`Number ${number}`);
  return row;
}

const HISTORY_CURSOR = "history";

/**
 * A number's history a page at a time, oldest first (`limit` 1–1000, default 100): a number that
 * changed hands for years has a long past, and one answer must not carry all of it. The cursor
 * is the last entry's id, sealed to this number.
 */
export async function getHistory(
  deps: Dependencies,
  principal: Principal,
  number: string,
  page: { limit: number; cursor?: string },
) {
  await getNumber(deps, principal, number);
  let afterId: number | undefined;
  if (page.cursor) {
    const position = await openCursor(deps, HISTORY_CURSOR, page.cursor, number);
    if (typeof position !== "number" || !Number.isSafeInteger(position))
      throw new AppError("validation_failed", "The cursor is not one this API issued.", [
        { field: "cursor", message: "The cursor is not one this API issued." },
      ]);
    afterId = position;
  }
  const entries = await listHistory(deps.db, number, principal.scope, { afterId, limit: page.limit + 1 });
  const items = entries.slice(0, page.limit);
  const last = items.at(-1);
  return {
    rows: items,
    nextCursor:
      entries.length > page.limit && last
        ? await sealCursor(deps, HISTORY_CURSOR, Number(last.id), number)
        : null,
  };
}
