import { type ExpressionBuilder, sql } from "kysely";
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
