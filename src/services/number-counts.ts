import { countMatching } from "../db/number-counts.js";
import type { Dependencies } from "../dependencies.js";
import type { Principal } from "./principal.js";
import { parseSearch, type SearchQuery } from "./search.js";

/** `GET /v1/numbers/counts`: what the search's filters select in the key's scope, by state. */
export async function countNumbers(deps: Dependencies, principal: Principal, query: SearchQuery) {
  const { filters } = parseSearch(query);
  return countMatching(deps.db, principal.scope, filters);
}
