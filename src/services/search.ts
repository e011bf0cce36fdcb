import { z } from "zod";
import { selectNumberNames } from "../db/number-names.js";
import {
  type NumberFilters,
  type NumberPattern,
  type NumberSort,
  SORT_FIELD_NAMES,
  type SortFieldName,
  selectMatching,
  sortKeyText,
} from "../db/search.js";
import type { Dependencies } from "../dependencies.js";
import { normalizeNumber } from "../lifecycle/phone-number.js";
import { CAPABILITIES, NUMBER_STATUSES, RESERVATION_KINDS, STATES } from "../lifecycle/states.js";
import type { Principal } from "./principal.js";
import { decodeCursor, encodeCursor } from "./search-cursor.js";

/**
 * `q`: digits alone match anywhere; a leading "+" or a trailing "*" anchors the start; a leading
 * "*" anchors the end. An unencoded "+" in a query string arrives as a space, so a leading space
 * reads as "+".
 */
export function parseNumberPattern(raw: string): NumberPattern | null {
  const suffix = /^\*(\d{1,15})$/.exec(raw);
  if (suffix) return { kind: "suffix", digits: suffix[1]! };
  const match = /^([+ ])?(\d{1,15})(\*)?$/.exec(raw);
  if (!match) return null;
  return { kind: match[1] || match[3] ? "prefix" : "contains", digits: match[2]! };
}

const pattern = z.string().transform((raw, context) => {
  const parsed = parseNumberPattern(raw);
  if (parsed) return parsed;
  context.addIssue({
    code: "custom",
    message: 'must be digits ("6123", anywhere), "+65", "65*" or "+65*" (start), or "*4567" (end)',
  });
  return z.NEVER;
});
const text = z.string().min(1).max(500);
const flag = z.enum(["true", "false"]).transform((value) => value === "true");
const SORT_VALUES = SORT_FIELD_NAMES.flatMap((name) => [name, `-${name}`]) as [string, ...string[]];

/** The query of `GET /v1/numbers` and of its CSV and PDF downloads (which ignore limit and cursor). */
export const searchQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(2000).optional(),
  sort: z.enum(SORT_VALUES).default("number"),
  state: z.enum(STATES).optional(),
  status: z.enum(NUMBER_STATUSES).optional(),
  q: pattern.optional(),
  sku: text.optional(),
  vendor: text.optional(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, "must be an ISO 3166 alpha-2 code")
    .transform((value) => value.toUpperCase())
    .optional(),
  capability: z.enum(CAPABILITIES).optional(),
  routing: text.optional(),
  golden: flag.optional(),
  portedIn: flag.optional(),
  visibleToDomain: text.optional(),
  subscriptionId: text.optional(),
  ownerId: z.uuid().optional(),
  partnerId: z.uuid().optional(),
  siteId: z.uuid().optional(),
  rangeName: text.optional(),
  mainNumber: flag.optional(),
  allocation: z
    .union([
      z.enum(["unallocated", "operator", "occupier"]),
      z.uuid().transform((organizationId) => ({ organizationId })),
    ])
    .optional(),
  endUser: z.enum(["assigned", "unassigned"]).optional(),
  reservationKind: z.enum(RESERVATION_KINDS).optional(),
  expiresBefore: z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value))
    .optional(),
});
export type SearchQuery = z.infer<typeof searchQuerySchema>;

/** Rows a person ticked for a download (docs/domain.md#inventory-operations): at most this many. */
export const MAX_CHOSEN_NUMBERS = 1000;

/**
 * `numbers=+6561234567,+6561234568` (or the parameter repeated): E.164 with or without "+". Every
 * malformed entry is named by its position; more than the maximum is refused as a whole.
 */
const chosenNumbers = z.union([z.string(), z.array(z.string())]).transform((raw, context) => {
  const entries = (Array.isArray(raw) ? raw : [raw]).flatMap((value) => value.split(","));
  if (entries.length > MAX_CHOSEN_NUMBERS) {
    context.addIssue({
      code: "custom",
      message: `at most ${MAX_CHOSEN_NUMBERS.toLocaleString("en")} numbers; ${entries.length} were given`,
    });
    return z.NEVER;
  }
  const numbers = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    const number = normalizeNumber(entry);
    if (number) numbers.add(number);
    else
      context.addIssue({
        code: "custom",
        path: [index],
        message: `"${entry}" is not an E.164 phone number`,
      });
  }
  return [...numbers];
});

/** The downloads take the search's query and, besides, the rows a person chose. */
export const downloadQuerySchema = searchQuerySchema.extend({ numbers: chosenNumbers.optional() });
export type DownloadQuery = z.infer<typeof downloadQuerySchema>;

/** Splits a validated query into what selects rows, how they are ordered, and the page. */
export function parseSearch(query: SearchQuery | DownloadQuery) {
  const { limit, cursor, sort: sortText, ...filters } = query;
  const descending = sortText.startsWith("-");
  const sort: NumberSort = {
    field: (descending ? sortText.slice(1) : sortText) as SortFieldName,
    descending,
  };
  return { limit, cursor, sort, filters: filters as NumberFilters };
}

/** Numbers in the key's scope that match every filter, a keyset page at a time (never OFFSET). */
export async function searchNumbers(deps: Dependencies, principal: Principal, query: SearchQuery) {
  const { limit, cursor, sort, filters } = parseSearch(query);
  const after = cursor ? await decodeCursor(deps, cursor, sort, filters) : undefined;
  const rows = await selectMatching(deps.db, principal.scope, filters, sort, after)
    .selectAll("numbers")
    .select(selectNumberNames(principal.scope))
    .select(sortKeyText(sort))
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page,
    nextCursor:
      rows.length > limit && last
        ? await encodeCursor(deps, { key: last.sort_key, number: last.number }, sort, filters)
        : null,
  };
}
