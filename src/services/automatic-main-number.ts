import { findFreeMainNumbers, findMainNumbers } from "../db/sites.js";
import type { Dependencies } from "../dependencies.js";
import { AppError } from "../error-codes.js";
import type { TransitionRequest } from "../lifecycle/number-state.js";
import type { Principal } from "./principal.js";
import { requestTransition } from "./transitions.js";

/** Changes the engine makes on its own behalf; history names them `system`. */
const SYSTEM: Principal = {
  keyId: "system",
  role: "platform_admin",
  organizationId: null,
  scope: { kind: "all" },
  actor: "system",
};

const REMARK = "Main number activated automatically for a new voice service.";

/** Free main numbers tried in turn when another request takes the first one meanwhile. */
const CANDIDATES = 5;

const TAKEN_MEANWHILE: ReadonlySet<string> = new Set([
  "update_in_progress",
  "invalid_state",
  "owner_mismatch",
]);

export interface AutomaticMainNumber {
  number: string;
  transitionId: string;
}

/**
 * A main number "automatically allocated in response to adding a voice service" is
 * already active. If the organisation has no active main number at the site (and none on its way),
 * activate the main number allocated to it, or else a free nominated one straight from available
 * (one `activate` transition allocates and activates it). This is an ordinary transition request
 * by `system`: pending overlay, history, worker re-check under the entitlement lock. The worker
 * refuses a second main number with `main_number_taken` if two voice-service changes race.
 */
export async function activateMainNumberIfNone(
  deps: Dependencies,
  siteId: string,
  organizationId: string,
): Promise<AutomaticMainNumber | null> {
  const mains = await findMainNumbers(deps.db, siteId, organizationId);
  if (mains.some((main) => main.state === "assigned" || main.pending_transition_id)) return null;

  const allocated = mains.find((main) => main.state === "reserved");
  const candidates: [string, TransitionRequest][] = allocated
    ? [[allocated.number, { action: "activate", remark: REMARK }]]
    : (await findFreeMainNumbers(deps.db, siteId, CANDIDATES)).map((number) => [
        number,
        { action: "activate", ownerId: organizationId, remark: REMARK },
      ]);

  for (const [number, input] of candidates) {
    try {
      const accepted = await requestTransition(deps, SYSTEM, number, input);
      return { number, transitionId: accepted.id };
    } catch (error) {
      // Taken by another request since we looked: try the next free one.
      if (error instanceof AppError && TAKEN_MEANWHILE.has(error.code)) continue;
      if (error instanceof AppError) {
        deps.log.info({ siteId, organizationId, number, code: error.code }, "no automatic main number");
        return null;
      }
      throw error;
    }
  }
  deps.log.info({ siteId, organizationId }, "no free main number to activate automatically");
  return null;
}
