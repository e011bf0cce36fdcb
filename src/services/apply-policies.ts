import { readPolicySet } from "../db/policies.js";
import { readTimerPage, type TimerRow, type TimerUpdate, writeTimerUpdates } from "../db/policy-timers.js";
import type { Dependencies } from "../dependencies.js";
import {
  defaultPeriods,
  describePolicy,
  type NumberPolicy,
  type Periods,
  resolvePeriods,
} from "../lifecycle/policies.js";
import { recomputeTimer, type TimerField } from "../lifecycle/timers.js";

/** Numbers read per page (and at most changed per statement). */
export const APPLY_PAGE_SIZE = 10_000;

export interface PolicyApplyReport {
  /** Numbers whose timer changed (or would, in a dry run). */
  numbers: number;
  changes: { number: string; field: TimerField; from: Date; to: Date }[];
}

/**
 * Recomputes every running timer that a period set (manual and subscription-event reservations,
 * locks on the default period, cooldowns) from its start under today's policies, page by page
 * over the primary key. A real run writes each page's changes with history entries (actor
 * `system`); a dry run only reports them. A number with a transition in flight is skipped: its
 * worker is about to change it (run apply again afterwards if that left its timer running).
 */
export async function applyPolicies(
  deps: Dependencies,
  options: { dryRun: boolean; pageSize?: number },
): Promise<PolicyApplyReport> {
  const { policies } = await readPolicySet(deps.db);
  const defaults = defaultPeriods(deps.config);
  const at = deps.clock.now();
  const pageSize = options.pageSize ?? APPLY_PAGE_SIZE;
  const changes: PolicyApplyReport["changes"] = [];
  let skipped = 0;
  let after = "";
  for (;;) {
    const page = await readTimerPage(deps.db, after, pageSize);
    const planned: PlannedUpdate[] = [];
    for (const row of page.timers) {
      const update = plannedUpdate(row, policies, defaults);
      if (!update) continue;
      if (row.pending_transition_id) skipped++;
      else planned.push(update);
    }
    const written = options.dryRun ? null : await writeTimerUpdates(deps.db, planned, at);
    for (const update of planned)
      if (!written || written.has(update.number))
        changes.push({
          number: update.number,
          field: update.field,
          from: update.from,
          to: update.expiresAt,
        });
    if (!page.next) break;
    after = page.next;
  }
  deps.log.info(
    { dryRun: options.dryRun, changed: changes.length, skippedPending: skipped },
    "number policies applied to running timers",
  );
  return { numbers: new Set(changes.map((change) => change.number)).size, changes };
}

type PlannedUpdate = TimerUpdate & { from: Date };

function plannedUpdate(
  row: TimerRow,
  policies: readonly NumberPolicy[],
  defaults: Periods,
): PlannedUpdate | null {
  const periods = resolvePeriods(
    policies,
    { country: row.country, sku: row.sku, portedIn: row.ported_in, golden: row.golden },
    defaults,
  );
  const expiresAt =
    row.state === "reserved"
      ? row.reservation_expires_at
      : row.state === "locked"
        ? row.lock_expires_at
        : row.cooldown_until;
  if (!expiresAt) return null;
  const change = recomputeTimer(
    {
      state: row.state,
      reservationKind: row.reservation_kind,
      startedAt: row.timer_started_at,
      expiresAt,
    },
    periods,
  );
  if (!change) return null;
  const days = periods[change.period].days;
  return {
    number: row.number,
    version: row.version,
    field: change.field,
    from: change.from,
    expiresAt: change.to,
    policyCountry: change.policy?.country ?? null,
    policyClass: change.policy?.class ?? null,
    remark: `${change.field} recomputed under ${describePolicy(change.policy)}: ${days} days from ${row.timer_started_at.toISOString()}.`,
  };
}
