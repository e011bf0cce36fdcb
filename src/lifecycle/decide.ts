import type { DecisionContext, NumberChange, NumberSnapshot, TransitionRequest } from "./number-state.js";
import { type Refusal, RULES } from "./rules.js";
import type { Action } from "./states.js";

export type Decision = { ok: true; change: NumberChange } | ({ ok: false } & Refusal);

/** Actions that a number cooling off refuses with `in_cooldown` rather than a bare invalid_state. */
const REFUSED_WHILE_COOLING: ReadonlySet<Action> = new Set([
  "reserve",
  "allocate",
  "assign",
  "activate",
  "lock",
]);

/** Pure: the outcome of `request` on `number` at `context.now`. No I/O, no clock reads. */
export function decide(
  number: NumberSnapshot,
  request: TransitionRequest,
  context: DecisionContext,
): Decision {
  const rule = RULES[request.action];
  if (!rule.from.includes(number.state)) return { ok: false, ...wrongState(number, request.action) };
  const refusal = rule.check?.(number, request, context);
  if (refusal) return { ok: false, ...refusal };
  return { ok: true, change: rule.change(number, request, context) };
}

/**
 * Whether decide() would accept the request: the same rule table and the same two steps (state,
 * then checks), without building the change or a refusal's words — for asking it of every action
 * on every number of a page (`allowedActions`).
 */
export function accepts(
  number: NumberSnapshot,
  request: TransitionRequest,
  context: DecisionContext,
): boolean {
  const rule = RULES[request.action];
  return rule.from.includes(number.state) && !rule.check?.(number, request, context);
}

function wrongState(number: NumberSnapshot, action: Action): Refusal {
  if (number.state === "cooldown" && REFUSED_WHILE_COOLING.has(action)) {
    const until = number.cooldownUntil ? ` until ${number.cooldownUntil.toISOString()}` : "";
    return { code: "in_cooldown", message: `The number is cooling off${until} and cannot be used yet.` };
  }
  if (action === "deallocate" && number.state === "assigned")
    return { code: "activated", message: "The number is activated; deactivate it before deallocating it." };
  const from = RULES[action].from.join(" or ");
  return {
    code: "invalid_state",
    message: `Cannot ${action.replaceAll("_", " ")} a number that is ${number.state}; it must be ${from}.`,
  };
}
