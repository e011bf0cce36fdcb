import { type ExpressionBuilder, type RawBuilder, sql } from "kysely";
import type { Database } from "./tables.js";

/** Which numbers an API key can see (docs/domain.md#organisations-and-roles). */
export type Scope =
  | { kind: "all" }
  | { kind: "partner"; partnerId: string }
  | { kind: "customer"; organizationId: string };

/**
 * The numbers a scope sees: a partner sees its own inventory and the numbers held by itself or its
 * customers; a customer sees only numbers reserved by or assigned to it.
 */
export function inScope(scope: Scope) {
  return (eb: ExpressionBuilder<Database, "numbers">) => {
    switch (scope.kind) {
      case "all":
        return sql<boolean>`true`;
      case "partner":
        return eb.or([
          eb("numbers.partner_id", "=", scope.partnerId),
          eb(
            "numbers.owner_id",
            "in",
            eb
              .selectFrom("organizations")
              .select("organizations.id")
              .where((org) =>
                org.or([
                  org("organizations.id", "=", scope.partnerId),
                  org("organizations.partner_id", "=", scope.partnerId),
                ]),
              ),
          ),
        ]);
      case "customer":
        return eb("numbers.owner_id", "=", scope.organizationId);
    }
  };
}

/** What a number was, for deciding who could see it: its owners and inventory partners (nulls ignored). */
export interface NumberFacts {
  number: string;
  /** The number's owner before and after the change. */
  ownerIds: (string | null)[];
  /** The inventory partner before and after. */
  partnerIds: (string | null)[];
}

/**
 * `inScope` turned around, for recording: the organisations whose scope holds a number with these
 * owners and inventory partners — the owners, the partners, and each owner's partner. Rows that
 * record something about a number (history, transitions, notices, webhook events) store this
 * list as it was when they were written, so that a later holder never reads an earlier holder's
 * past. `owners` and `partners` are uuid[] expressions; NULL elements are ignored.
 */
export function audienceSql(owners: RawBuilder<unknown>, partners: RawBuilder<unknown>) {
  return sql<string[]>`ARRAY(
    SELECT org FROM unnest(${owners}::uuid[] || ${partners}::uuid[]) AS org WHERE org IS NOT NULL
    UNION
    SELECT partner_id FROM organizations WHERE id = ANY(${owners}::uuid[]) AND partner_id IS NOT NULL)`;
}

/** `audienceSql` of facts known in JavaScript. */
export function audienceOf(facts: Pick<NumberFacts, "ownerIds" | "partnerIds">) {
  return audienceSql(sql`${facts.ownerIds}`, sql`${facts.partnerIds}`);
}

/**
 * The rows recorded with an audience (a `visible_to` column) that a scope may read: every row for
 * the platform's keys, else the rows that list the key's organisation.
 */
export function visibleIn(scope: Scope, column: string) {
  if (scope.kind === "all") return sql<boolean>`true`;
  const organizationId = scope.kind === "partner" ? scope.partnerId : scope.organizationId;
  return sql<boolean>`${sql.ref(column)} @> ARRAY[${organizationId}]::uuid[]`;
}
