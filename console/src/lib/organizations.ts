import { ApiError, api, unwrap } from "../api/client";
import type { paths } from "../api/types";

type OrganizationList = paths["/v1/organizations"]["get"]["responses"][200]["content"]["application/json"];
export type Organization = OrganizationList["items"][number];
export type OrganizationKind = "customer" | "partner";

/** What the person typed, and the organisation it names once one is chosen from the list. */
export interface OrganizationChoice {
  text: string;
  id: string | null;
}

export const NO_ORGANIZATION: OrganizationChoice = { text: "", id: null };

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function searchOrganizations(text: string, kind?: OrganizationKind) {
  return unwrap(
    api.GET("/v1/organizations", {
      params: { query: { q: text.trim() || undefined, kind, limit: 20 } },
    }),
  );
}

/**
 * The organisation id for a choice: the one picked from the list, a pasted UUID, or the only
 * organisation whose name is exactly what was typed. Throws a sentence for the field otherwise.
 */
export async function resolveOrganization(
  choice: OrganizationChoice,
  kind?: OrganizationKind,
): Promise<string | undefined> {
  if (choice.id) return choice.id;
  const text = choice.text.trim();
  if (!text) return undefined;
  if (UUID.test(text)) return text;
  const { items } = await searchOrganizations(text, kind);
  const named = items.filter((item) => item.name.toLowerCase() === text.toLowerCase());
  if (named.length === 1) return named[0]!.id;
  throw new ApiError(
    400,
    "validation_failed",
    named.length === 0
      ? `No organisation you can see is named “${text}”; choose one from the list.`
      : `Several organisations are named “${text}”; choose one from the list.`,
    [{ field: "ownerId" }],
  );
}

/**
 * The organisation a typed name means (seed 003's "Company" and "Partner" column searches): the
 * one whose name is exactly it, else the only one whose name contains it.
 */
export async function organizationByName(text: string, kind?: "customer" | "partner"): Promise<string> {
  const { items } = await unwrap(
    api.GET("/v1/organizations", { params: { query: { q: text, kind, limit: 50 } } }),
  );
  const exact = items.filter((item) => item.name.toLowerCase() === text.toLowerCase());
  if (exact.length === 1) return exact[0]!.id;
  if (items.length === 1) return items[0]!.id;
  const what = kind === "partner" ? "partner" : "organisation";
  throw new ApiError(
    400,
    "validation_failed",
    items.length === 0
      ? `No ${what} you can see is named like “${text}”.`
      : `${items.length} ${what}s are named like “${text}”; type more of the name.`,
  );
}
