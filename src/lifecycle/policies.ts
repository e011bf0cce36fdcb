/**
 * Number policies: period overrides keyed by country and number class (docs/policies.md). Pure:
 * the services read the policies and the configured defaults, and decide() gets the periods
 * resolved for one number.
 */

/** The periods a policy may set, by their JSON names. */
export const PERIOD_NAMES = [
  "cooldownDays",
  "lockDays",
  "reservationDays",
  "subscriptionExpiredDays",
  "subscriptionTerminatedDays",
  "swappedOutDays",
] as const;
export type PeriodName = (typeof PERIOD_NAMES)[number];
export type Periods = Record<PeriodName, number>;

/** Periods are whole days, 0 to 3,649 (just under ten years). */
export const MAX_PERIOD_DAYS = 3649;

/** `ported_in`, `golden`, or `sku:` followed by a SKU exactly as numbers carry it. */
export type PolicyClass = "ported_in" | "golden" | `sku:${string}`;

/** Which policy: a country (ISO 3166 alpha-2), a class, or both; never neither. */
export interface PolicyKey {
  country: string | null;
  class: PolicyClass | null;
}

/** A policy as the API shows it: the periods it does not set are absent. */
export type NumberPolicy = PolicyKey & Partial<Periods>;

/** What a policy looks at on a number. */
export interface PolicyFacts {
  country: string;
  sku: string;
  portedIn: boolean;
  golden: boolean;
}

/** One period of one number, and the policy it came from (null: the configured default). */
export interface ResolvedPeriod {
  days: number;
  policy: PolicyKey | null;
}
export type ResolvedPeriods = Record<PeriodName, ResolvedPeriod>;

/** The reservation periods of the life-cycle rules, used where no policy sets one (docs/policies.md). */
export const DEFAULT_HOLD_DAYS = {
  reservationDays: 28,
  subscriptionExpiredDays: 56,
  subscriptionTerminatedDays: 28,
  swappedOutDays: 1,
} as const satisfies Partial<Periods>;

/** The configured defaults: cooldown and lock from the environment, the holds above. */
export function defaultPeriods(settings: { cooldownDays: number; lockPeriodDays: number }): Periods {
  return { cooldownDays: settings.cooldownDays, lockDays: settings.lockPeriodDays, ...DEFAULT_HOLD_DAYS };
}

/**
 * 47 CFR 52.15(f)(1)(ii): a disconnected US number ages at least 45 days before it is assigned
 * again. Whatever a policy or COOLDOWN_DAYS says, a US number's cooldown is never shorter.
 */
export const LEGAL_MINIMUM_COOLDOWN = { country: "US", days: 45 } as const;

/**
 * The order in which policies are tried, most specific first (1) to least (7): country and
 * class, then class, then country; among classes a SKU, then ported-in, then golden. The
 * migration's `precedence` column computes the same ranks for the sweeps' SQL.
 */
export function precedence(key: PolicyKey): number {
  if (key.class === null) return 7;
  const classRank = key.class.startsWith("sku:") ? 0 : key.class === "ported_in" ? 1 : 2;
  return (key.country === null ? 4 : 1) + classRank;
}

function matches(key: PolicyKey, facts: PolicyFacts): boolean {
  if (key.country !== null && key.country !== facts.country) return false;
  if (key.class === null) return true;
  if (key.class === "ported_in") return facts.portedIn;
  if (key.class === "golden") return facts.golden;
  return key.class === `sku:${facts.sku}`;
}

/**
 * For each period, the most specific policy that sets it, else the default; a US number's
 * cooldown is then raised to the legal minimum (its source stays the policy or default that set it).
 */
export function resolvePeriods(
  policies: readonly NumberPolicy[],
  facts: PolicyFacts,
  defaults: Periods,
): ResolvedPeriods {
  const applicable = policies
    .filter((policy) => matches(policy, facts))
    .sort((a, b) => precedence(a) - precedence(b));
  const resolved = {} as ResolvedPeriods;
  for (const name of PERIOD_NAMES) {
    const policy = applicable.find((candidate) => candidate[name] !== undefined);
    resolved[name] = policy
      ? { days: policy[name]!, policy: { country: policy.country, class: policy.class } }
      : { days: defaults[name], policy: null };
  }
  if (facts.country === LEGAL_MINIMUM_COOLDOWN.country)
    resolved.cooldownDays = {
      ...resolved.cooldownDays,
      days: Math.max(resolved.cooldownDays.days, LEGAL_MINIMUM_COOLDOWN.days),
    };
  return resolved;
}

export const samePolicy = (a: PolicyKey | null, b: PolicyKey | null) =>
  a === b || (a !== null && b !== null && a.country === b.country && a.class === b.class);

/** "(US, ported_in)", "(golden)", "the configured default": how messages and history name a policy. */
export function describePolicy(key: PolicyKey | null): string {
  if (!key) return "the configured default";
  return `the policy (${[key.country, key.class].filter(Boolean).join(", ")})`;
}
