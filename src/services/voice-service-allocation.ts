import { randomUUID } from "node:crypto";
import type { Trx } from "../db/database.js";
import { claimFreeSiteNumbers, countActiveNumbers, findMainNumbers } from "../db/sites.js";
import { insertPendingTransitions, type NewTransition } from "../db/transitions.js";
import type { Dependencies } from "../dependencies.js";
import { applyPendingTransitions } from "./apply-transition.js";

/** History and webhooks name changes the engine makes on its own behalf `system`. */
const SYSTEM_ACTOR = "system";
const REMARK = "Allocated and activated automatically for a new voice service.";

export interface AllocatedNumber {
  number: string;
  transitionId: string;
  mainNumber: boolean;
}

/**
 * docs/sites.md: numbers are allocated automatically when a voice service is assigned, and are
 * then already active. Called in the transaction that raised the organisation's
 * voice services, with its entitlement row locked: until the organisation's active numbers at the
 * site equal its voice services, take its main number first when it holds none, then the site's
 * free numbers, lowest first, and allocate and activate each with one `activate` transition
 * (from available, with the organisation as owner) by `system`. The transitions are recorded and
 * applied in this same transaction by the worker's own code (`applyPendingTransitions`): the
 * same rules decided again, history, hunt group, webhook events.
 *
 * Exactly once: a second request for the same organisation waits on the entitlement lock and
 * then counts the numbers this one activated. Never more than the site has: numbers are claimed
 * with `FOR UPDATE SKIP LOCKED`, so two organisations filling up at once take different ones,
 * and only free numbers (available, nothing pending) are taken. Numbers the organisation already
 * holds (allocated, not active) are left as they are.
 */
export async function allocateForVoiceServices(
  trx: Trx,
  deps: Dependencies,
  siteId: string,
  organizationId: string,
  voiceServices: number,
): Promise<AllocatedNumber[]> {
  const wanted = voiceServices - (await countActiveNumbers(trx, siteId, organizationId));
  if (wanted <= 0) return [];
  const hasMainNumber = (await findMainNumbers(trx, siteId, organizationId)).length > 0;
  const main = hasMainNumber ? [] : await claimFreeSiteNumbers(trx, siteId, true, 1);
  const others = await claimFreeSiteNumbers(trx, siteId, false, wanted - main.length);
  const chosen = [...main, ...others];
  if (chosen.length === 0) return [];

  const now = deps.clock.now();
  const transitions: NewTransition[] = chosen.map((number) => ({
    id: randomUUID(),
    number,
    request: { action: "activate", ownerId: organizationId, remark: REMARK },
    actor: SYSTEM_ACTOR,
    requestedAt: now,
  }));
  await insertPendingTransitions(trx, transitions);
  const outcomes = await applyPendingTransitions(
    trx,
    deps,
    transitions.map((transition) => transition.id),
  );
  return transitions
    .filter((transition) => outcomes.get(transition.id)?.status === "applied")
    .map((transition) => ({
      number: transition.number,
      transitionId: transition.id,
      mainNumber: main.includes(transition.number),
    }));
}
