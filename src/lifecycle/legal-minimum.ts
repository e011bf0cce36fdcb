import { LEGAL_MINIMUM_COOLDOWN, type NumberPolicy, type PolicyKey } from "./policies.js";

export interface LegalMinimumBreach {
  /** The policy's position in the set that was sent. */
  index: number;
  country: string | null;
  class: PolicyKey["class"];
  cooldownDays: number;
  message: string;
}

const { country: US, days: MINIMUM } = LEGAL_MINIMUM_COOLDOWN;
const RULE = `47 CFR 52.15(f)(1)(ii) requires a disconnected US number to age at least ${MINIMUM} days before it is assigned again`;

/**
 * The policies of a set whose cooldown could let a US number cool down for less than the legal
 * minimum (docs/decisions.md, "Policies: the US legal minimum"):
 * - a US policy (with or without a class) whose cooldown is below 45 days;
 * - a class policy without a country whose cooldown is below 45 days, unless the set also has a
 *   (US, same class) policy with a cooldown of 45 days or more: that one is tried first for every
 *   US number of the class, so the class policy can never reach one.
 * A country policy for another country cannot reach a US number.
 */
export function belowLegalMinimum(policies: readonly NumberPolicy[]): LegalMinimumBreach[] {
  const coveredClasses = new Set(
    policies
      .filter((policy) => policy.country === US && policy.class !== null)
      .filter((policy) => policy.cooldownDays !== undefined && policy.cooldownDays >= MINIMUM)
      .map((policy) => policy.class),
  );
  const breaches: LegalMinimumBreach[] = [];
  for (const [index, policy] of policies.entries()) {
    const days = policy.cooldownDays;
    if (days === undefined || days >= MINIMUM) continue;
    const breach = { index, country: policy.country, class: policy.class, cooldownDays: days };
    if (policy.country === US)
      breaches.push({
        ...breach,
        message: `A cooldown of ${days} days for US numbers is below the legal minimum: ${RULE}.`,
      });
    else if (policy.country === null && !coveredClasses.has(policy.class))
      breaches.push({
        ...breach,
        message: `The ${policy.class} policy's cooldown of ${days} days would reach US numbers of that class: ${RULE}. Give the policy a country, or add a (US, ${policy.class}) policy with a cooldown of at least ${MINIMUM} days.`,
      });
  }
  return breaches;
}
