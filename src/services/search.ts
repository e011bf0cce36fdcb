import { z } from "zod";
import { toNumberView } from "../db/numbers.js";
import { inScope } from "../db/scope.js";
import type { Dependencies } from "../dependencies.js";
import { AppError } from "../error-codes.js";
import { STATES } from "../lifecycle/states.js";
import type { Principal } from "./principal.js";

export const searchQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(2000).optional(),
  state: z.enum(STATES).optional(),
});
export type SearchQuery = z.infer<typeof searchQuerySchema>;

const encodeCursor = (number: string) => Buffer.from(JSON.stringify({ after: number })).toString("base64url");

function decodeCursor(cursor: string): string {
  try {
    const { after } = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof after === "string") return after;
  } catch {}
  throw new AppError("validation_failed", "The cursor is not one this API issued.", [
    { field: "cursor", message: "Invalid cursor." },
  ]);
}

/** Numbers in the key's scope, in number order, a keyset page at a time. */
export async function searchNumbers(deps: Dependencies, principal: Principal, query: SearchQuery) {
  let select = deps.db.selectFrom("numbers").selectAll().where(inScope(principal.scope));
  if (query.state) select = select.where("state", "=", query.state);
  if (query.cursor) select = select.where("number", ">", decodeCursor(query.cursor));
  const rows = await select
    .orderBy("number")
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(toNumberView),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.number) : null,
  };
}
