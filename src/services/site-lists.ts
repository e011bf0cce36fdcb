import { listSites } from "../db/site-lists.js";
import type { Dependencies } from "../dependencies.js";
import { notFound } from "../error-codes.js";
import { containsPattern, namePage, openNameCursor } from "./list-cursor.js";
import type { Principal } from "./principal.js";

export interface SiteQuery {
  q?: string;
  operatorId?: string;
  limit: number;
  cursor?: string;
}

/** `GET /v1/sites`: the sites in the key's scope by name, with operator and occupier names. */
export async function listVisibleSites(deps: Dependencies, principal: Principal, query: SiteQuery) {
  const list = { purpose: "sites", filters: { operatorId: query.operatorId, q: query.q } };
  const rows = await listSites(
    deps.db,
    principal.scope,
    { operatorId: query.operatorId, namePattern: query.q ? containsPattern(query.q) : undefined },
    query.cursor ? await openNameCursor(deps, list, query.cursor) : undefined,
    query.limit + 1,
  );
  return namePage(deps, list, rows, query.limit);
}

/** `GET /v1/sites/{id}`: the same summary as the list, 404 outside the key's scope. */
export async function getSiteSummary(deps: Dependencies, principal: Principal, id: string) {
  const [site] = await listSites(deps.db, principal.scope, { id }, undefined, 1);
  if (!site) throw notFound(`Site ${id}`);
  return site;
}
