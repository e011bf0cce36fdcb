import { transitionView } from "../api/views.js";
import { applyToNumber } from "../db/apply-to-number.js";
import type { Trx } from "../db/database.js";
import { applyHuntGroupEffects } from "../db/hunt-groups.js";
import { changeColumns, historySnapshot, toSnapshot } from "../db/number-columns.js";
import { finishPending } from "../db/numbers.js";
import type { NumberRow } from "../db/tables.js";
import {
  finishTransition,
  type LockedTransition,
  lockPendingWithNumbers,
  type Transition,
} from "../db/transitions.js";
import type { Dependencies } from "../dependencies.js";
import type { ErrorCode } from "../error-codes.js";
import { decide } from "../lifecycle/decide.js";
import type { TransitionOutcome } from "../lifecycle/states.js";
import { loadDecisionContext, type PeriodSources } from "./decision-context.js";
import { numberFacts, recordEvents, type WebhookEventType } from "./webhooks.js";

export type AppliedOutcome = {
  transitionId: string;
  number: string;
  action: string;
  status: TransitionOutcome;
  requestedAt: Date;
  finishedAt: Date;
};

/**
 * Applies one pending transition in its own database transaction. Returns null for a transition
 * that is already finished (a redelivered job does nothing).
 */
export async function applyTransition(
  deps: Dependencies,
  transitionId: string,
): Promise<AppliedOutcome | null> {
  const outcomes = await applyTransitions(deps, [transitionId]);
  return outcomes.get(transitionId) ?? null;
}

/**
 * Applies several pending transitions in ONE database transaction, each still decided on its own
 * locked row and recorded on its own: the commit (an fsync) is what limits throughput, so a
 * worker shares it between the jobs it holds (docs/benchmarks.md#transitions). Numbers are locked
 * in number order so two batches cannot deadlock on them. All or nothing: if the batch fails, the
 * caller applies each transition alone.
 */
export async function applyTransitions(
  deps: Dependencies,
  transitionIds: string[],
): Promise<Map<string, AppliedOutcome | null>> {
  return deps.db.transaction().execute((trx) => applyPendingTransitions(trx, deps, transitionIds));
}

/**
 * Applies pending transitions inside the caller's database transaction, in number order, each
 * decided on its own locked row, with their webhook events. The worker's batches run this; so
 * does a change that requests and applies transitions in one commit (voice services allocating
 * numbers), so both write the same history, outcome and events.
 */
export async function applyPendingTransitions(
  trx: Trx,
  deps: Dependencies,
  transitionIds: string[],
): Promise<Map<string, AppliedOutcome | null>> {
  const outcomes = new Map<string, AppliedOutcome | null>(transitionIds.map((id) => [id, null]));
  const batch = await lockPendingWithNumbers(trx, transitionIds);
  if (batch.length === 0) return outcomes;
  const events = new TransitionEvents();
  // One policy set for the whole batch, as of its locks: it shares one transaction anyway.
  const sources = {
    config: deps.config,
    policies: await deps.policies.atVersion(trx, batch[0]!.policyVersion),
  };
  for (const locked of batch)
    outcomes.set(locked.transition.id, await applyPending(trx, deps, locked, sources, events));
  await events.record(trx, deps.clock.now());
  return outcomes;
}

/**
 * Decide again on the locked, fresh row, write the change, its history entry, its webhook event
 * and the outcome, lift the pending marker.
 */
async function applyPending(
  trx: Trx,
  deps: Dependencies,
  locked: LockedTransition,
  sources: PeriodSources,
  events: TransitionEvents,
): Promise<AppliedOutcome> {
  const { transition, number: row } = locked;
  const transitionId = transition.id;
  const now = deps.clock.now();
  const { request } = transition;
  const snapshot = toSnapshot(row);
  const context = await loadDecisionContext(trx, snapshot, request, sources, now, {
    requestedOwner: locked.requestedOwner,
    serializeIn: trx,
  });
  const decision = decide(snapshot, request, context);
  const before = historySnapshot(snapshot);
  const outcome = { transitionId, number: row.number, action: transition.action };
  const times = { requestedAt: transition.requested_at, finishedAt: now };

  if (!decision.ok) {
    await rejectLocked(trx, locked, decision, now, events);
    return { ...outcome, status: "rejected", ...times };
  }

  // The row as the change leaves it, known before writing it: the number is locked, and a change
  // writes only the columns changeColumns names.
  const update = changeColumns(decision.change);
  // (changeColumns writes instants as Dates, never as text.)
  const changed = { ...row, ...update } as NumberRow;
  const after = historySnapshot(toSnapshot(changed));
  const facts = numberFacts(row, changed);
  const history = {
    number: row.number,
    at: now,
    action: transition.action,
    actor: transition.actor,
    remark: request.remark ?? null,
    transitionId,
    before,
    after,
    audience: facts,
  };
  const { transition: applied, number: updated } = await applyToNumber(
    trx,
    { number: row.number, transitionId, update, now },
    { status: "applied", before, after, finishedAt: now },
    facts,
    history,
  );
  await applyHuntGroupEffects(trx, updated, decision.change.effects, now);
  events.add("transition.applied", transitionView(applied), facts);
  return { ...outcome, status: "applied", ...times };
}

/** The number stays as it is and is free again; the transition ends rejected, with its event. */
async function rejectLocked(
  trx: Trx,
  { transition, number: row }: { transition: Transition; number: NumberRow },
  refusal: { code: ErrorCode; message: string },
  now: Date,
  events: TransitionEvents,
) {
  await finishPending(trx, row.number, transition.id, null, now);
  const before = historySnapshot(toSnapshot(row));
  const facts = numberFacts(row);
  const rejected = await finishTransition(
    trx,
    transition.id,
    {
      status: "rejected",
      before,
      after: before,
      errorCode: refusal.code,
      errorMessage: refusal.message,
      finishedAt: now,
    },
    facts,
  );
  events.add("transition.rejected", transitionView(rejected), facts);
}

/**
 * Ends a pending transition that could not be applied (see transition-failures.ts): rejected with
 * `internal_error` and `message`, in one transaction. Null when it has finished meanwhile.
 */
export async function rejectUnappliable(
  deps: Dependencies,
  transitionId: string,
  message: string,
): Promise<AppliedOutcome | null> {
  return deps.db.transaction().execute(async (trx) => {
    const [locked] = await lockPendingWithNumbers(trx, [transitionId]);
    if (!locked) return null;
    const now = deps.clock.now();
    const events = new TransitionEvents();
    await rejectLocked(trx, locked, { code: "internal_error", message }, now, events);
    await events.record(trx, now);
    const { transition } = locked;
    return {
      transitionId,
      number: transition.number,
      action: transition.action,
      status: "rejected" as const,
      requestedAt: transition.requested_at,
      finishedAt: now,
    };
  });
}

/** Webhook events of the transitions in one database transaction, written in one statement per type. */
class TransitionEvents {
  private readonly byType = new Map<
    WebhookEventType,
    { data: unknown; facts: ReturnType<typeof numberFacts> }[]
  >();

  add(type: WebhookEventType, data: unknown, facts: ReturnType<typeof numberFacts>) {
    const events = this.byType.get(type) ?? [];
    events.push({ data, facts });
    this.byType.set(type, events);
  }

  async record(trx: Trx, at: Date) {
    for (const [type, events] of this.byType) await recordEvents(trx, type, events, at);
  }
}
