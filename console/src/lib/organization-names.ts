import { ApiError, api, unwrap } from "../api/client";

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
