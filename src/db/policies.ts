import { sql } from "kysely";
import type { NumberPolicy, PeriodName, PolicyClass } from "../lifecycle/policies.js";
import type { Db, Trx } from "./database.js";
import type { NumberPoliciesTable } from "./tables.js";

/** Each period's column in `number_policies`. */
const PERIOD_COLUMNS = {
  cooldownDays: "cooldown_days",
  lockDays: "lock_days",
  reservationDays: "reservation_days",
  subscriptionExpiredDays: "subscription_expired_days",
  subscriptionTerminatedDays: "subscription_terminated_days",
  swappedOutDays: "swapped_out_days",
} as const satisfies Record<PeriodName, keyof NumberPoliciesTable>;

type PolicyColumns = Omit<NumberPoliciesTable, "precedence" | "position">;

function toPolicy(row: PolicyColumns): NumberPolicy {
  const policy: NumberPolicy = { country: row.country, class: row.number_class as PolicyClass | null };
  for (const [name, column] of Object.entries(PERIOD_COLUMNS) as [PeriodName, keyof PolicyColumns][]) {
    const days = row[column];
    if (typeof days === "number") policy[name] = days;
  }
  return policy;
}

function toColumns(policy: NumberPolicy, position: number) {
  const row: Omit<NumberPoliciesTable, "precedence"> = {
    position,
    country: policy.country,
    number_class: policy.class,
    cooldown_days: null,
    lock_days: null,
    reservation_days: null,
    subscription_expired_days: null,
    subscription_terminated_days: null,
    swapped_out_days: null,
  };
  for (const [name, column] of Object.entries(PERIOD_COLUMNS) as [PeriodName, keyof PolicyColumns][])
    (row as Record<string, unknown>)[column] = policy[name] ?? null;
  return row;
}

export interface PolicySet {
  version: number;
  policies: NumberPolicy[];
}

/** The whole set and its version, read by one statement so the two always agree. */
export async function readPolicySet(db: Db): Promise<PolicySet> {
  const rows = await db
    .selectFrom("number_policy_set as set")
    .leftJoin("number_policies as policy", (join) => join.onTrue())
    .select([
      "set.version",
      "policy.position",
      "policy.country",
      "policy.number_class",
      ...Object.values(PERIOD_COLUMNS).map((column) => `policy.${column}` as const),
    ])
    .orderBy("policy.position")
    .execute();
  return {
    version: rows[0]!.version,
    policies: rows.filter((row) => row.position !== null).map((row) => toPolicy(row as PolicyColumns)),
  };
}

/**
 * Replaces the whole set and bumps its version, in the caller's transaction. Bumping first
 * takes the set row's lock, so two replacements run one after the other.
 */
export async function replacePolicySet(
  trx: Trx,
  policies: readonly NumberPolicy[],
  change: { at: Date; actor: string },
): Promise<number> {
  const { version } = await trx
    .updateTable("number_policy_set")
    .set({ version: sql<number>`version + 1`, updated_at: change.at, updated_by: change.actor })
    .returning("version")
    .executeTakeFirstOrThrow();
  await trx.deleteFrom("number_policies").execute();
  if (policies.length > 0)
    await trx
      .insertInto("number_policies")
      .values(policies.map((policy, index) => toColumns(policy, index)))
      .execute();
  return version;
}

/**
 * The number's cooldown as `resolvePeriods` picks it, in SQL for set-based sweeps: the most
 * specific policy that sets a cooldown (the `precedence` column), as a LATERAL subquery over the
 * row alias `number` (which must carry country, sku, ported_in and golden). No row: the default.
 */
export function cooldownPolicyPick(number: string) {
  const column = (name: string) => sql.ref(`${number}.${name}`);
  return sql`
    SELECT policy.cooldown_days AS days, policy.country, policy.number_class
    FROM number_policies AS policy
    WHERE policy.cooldown_days IS NOT NULL
      AND (policy.country IS NULL OR policy.country = ${column("country")})
      AND (policy.number_class IS NULL
        OR policy.number_class = 'sku:' || ${column("sku")}
        OR (policy.number_class = 'ported_in' AND ${column("ported_in")})
        OR (policy.number_class = 'golden' AND ${column("golden")}))
    ORDER BY policy.precedence
    LIMIT 1`;
}
