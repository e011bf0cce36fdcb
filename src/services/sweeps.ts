import { randomUUID } from "node:crypto";
import type { Db } from "../db/database.js";
import {
  type BatchedNotice,
  noticesInBatches,
  recordLockNotices,
  recordReservationNotices,
} from "../db/notices.js";
import { endCooldowns, expireLocks, expireReservations, withSweepLock } from "../db/sweeps.js";
import type { Dependencies } from "../dependencies.js";
import { addDays } from "../lifecycle/periods.js";
import { LEGAL_MINIMUM_COOLDOWN } from "../lifecycle/policies.js";
import { NOTICE_DAYS, type NoticeKind } from "../lifecycle/states.js";
import { observeSweep } from "../metrics.js";
import { enqueuePendingNotices } from "./notices.js";

/** Numbers changed per statement: big enough to be set-based, small enough to keep locks short. */
export const SWEEP_BATCH_SIZE = 10_000;

export interface SweepOptions {
  /** The instant the sweep acts as of (CLI `--at`); default: the clock. */
  at?: Date;
  /** Compute the report in a transaction that is rolled back; send nothing. */
  dryRun?: boolean;
  batchSize?: number;
}

/** What a sweep did, or would do in a dry run (docs/domain.md#timers-and-sweeps). */
export interface SweepReport {
  at: Date;
  dryRun: boolean;
  reservationsExpired: number;
  locksExpired: number;
  cooldownsEnded: number;
  notices: { reservationExpiring: number; lockExpiring: number; lockExpired: number };
  numbers: {
    reservationsExpired: string[];
    locksExpired: string[];
    cooldownsEnded: string[];
    reservationExpiring: string[];
    lockExpiring: string[];
    lockExpired: string[];
  };
  /** Who this sweep e-mails (would e-mail, in a dry run) about which numbers: one e-mail per recipient. */
  emails: SweepEmail[];
}

export interface SweepEmail {
  recipient: string;
  notices: { kind: NoticeKind; numbers: { number: string; expiresAt: Date }[] }[];
}

/** The run's notices grouped as they travel: per recipient, then per kind of notice. */
function groupEmails(notices: BatchedNotice[]): SweepEmail[] {
  const emails = new Map<string, SweepEmail>();
  for (const notice of notices) {
    let email = emails.get(notice.recipient);
    if (!email) {
      email = { recipient: notice.recipient, notices: [] };
      emails.set(notice.recipient, email);
    }
    let group = email.notices.find((entry) => entry.kind === notice.kind);
    if (!group) {
      group = { kind: notice.kind, numbers: [] };
      email.notices.push(group);
    }
    group.numbers.push({ number: notice.number, expiresAt: notice.expiresAt });
  }
  return [...emails.values()];
}

/** Runs every sweep once as of `at`, waiting for a sweep running elsewhere to finish first. */
export async function runSweeps(deps: Dependencies, options: SweepOptions = {}): Promise<SweepReport> {
  const report = await withSweepLock(deps.pool, { wait: true }, () => sweepOnce(deps, options));
  return report!;
}

/**
 * A scheduler tick: sweeps as of the clock unless another process is sweeping right now (then
 * this tick is skipped — the running sweep covers it, and the next tick catches up on anything
 * left, since every sweep acts on all that is due as of its instant). Null when skipped.
 */
export async function runScheduledSweeps(deps: Dependencies): Promise<SweepReport | null> {
  return withSweepLock(deps.pool, { wait: false }, () => sweepOnce(deps, {}));
}

class DryRunRollback extends Error {}

async function sweepOnce(deps: Dependencies, options: SweepOptions): Promise<SweepReport> {
  const at = options.at ?? deps.clock.now();
  const batchSize = options.batchSize ?? SWEEP_BATCH_SIZE;
  const started = process.hrtime.bigint();
  let report: SweepReport;
  if (options.dryRun) {
    // The very statements of a real run, rolled back: the report cannot drift from what a run does.
    let computed: SweepReport | undefined;
    await deps.db
      .transaction()
      .execute(async (trx) => {
        computed = await applySweeps(deps, trx, at, batchSize, true);
        throw new DryRunRollback();
      })
      .catch((error) => {
        if (!(error instanceof DryRunRollback)) throw error;
      });
    report = computed!;
  } else {
    report = await applySweeps(deps, deps.db, at, batchSize, false);
    await enqueuePendingNotices(deps);
  }
  const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
  const { numbers: _numbers, emails: _emails, ...counts } = report;
  const busy =
    report.reservationsExpired + report.locksExpired + report.cooldownsEnded > 0 ||
    Object.values(report.notices).some((count) => count > 0);
  deps.log[busy ? "info" : "debug"]({ ...counts, durationMs: Math.round(durationMs) }, "sweep finished");
  return report;
}

/**
 * Expiries first (each batch its own statement: with many due, work commits as it goes and a
 * crash loses nothing but the batch in flight), then the notices for expiries still ahead.
 */
async function applySweeps(
  deps: Dependencies,
  db: Db,
  at: Date,
  batchSize: number,
  dryRun: boolean,
): Promise<SweepReport> {
  const runId = randomUUID();
  const recordedAt = deps.clock.now();
  const { cooldownDays, platformSupportEmail } = deps.config;
  const reservationExpiry = { at, defaultCooldownDays: cooldownDays, legalMinimum: LEGAL_MINIMUM_COOLDOWN };

  // Metrics describe what happened; a dry run happened to nothing.
  const measured = <T>(sweep: string, task: () => Promise<T[]>) => (dryRun ? task() : observed(sweep, task));

  const reservationsExpired = await measured("reservations", () =>
    inBatches(batchSize, (limit) => expireReservations(db, { ...reservationExpiry, limit })),
  );
  const locksExpired = await measured("locks", () =>
    inBatches(batchSize, (limit) => expireLocks(db, { at, limit, runId, platformSupportEmail, recordedAt })),
  );
  const cooldownsEnded = await measured("cooldowns", () =>
    inBatches(batchSize, (limit) => endCooldowns(db, { at, limit })),
  );

  const window = { at, until: addDays(at, NOTICE_DAYS), runId, recordedAt, platformSupportEmail };
  const reservationNotices = await measured("reservation_notices", () =>
    inBatches(batchSize, (limit) => recordReservationNotices(db, window, limit)),
  );
  const lockNotices = await measured("lock_notices", () =>
    inBatches(batchSize, (limit) => recordLockNotices(db, window, limit)),
  );
  const reservationExpiring = distinctNumbers(reservationNotices);
  const lockExpiring = distinctNumbers(lockNotices);
  const batchIds = new Set([
    ...reservationNotices.map((notice) => notice.batchId),
    ...lockNotices.map((notice) => notice.batchId),
    ...locksExpired.flatMap((lock) => lock.batchIds),
  ]);
  const emails = groupEmails(await noticesInBatches(db, [...batchIds]));
  const lockExpired = sorted(
    locksExpired.filter((lock) => lock.batchIds.length > 0).map((lock) => lock.number),
  );

  return {
    at,
    dryRun,
    reservationsExpired: reservationsExpired.length,
    locksExpired: locksExpired.length,
    cooldownsEnded: cooldownsEnded.length,
    notices: {
      reservationExpiring: reservationExpiring.length,
      lockExpiring: lockExpiring.length,
      lockExpired: lockExpired.length,
    },
    numbers: {
      reservationsExpired: sorted(reservationsExpired.map((row) => row.number)),
      locksExpired: sorted(locksExpired.map((row) => row.number)),
      cooldownsEnded: sorted(cooldownsEnded.map((row) => row.number)),
      reservationExpiring,
      lockExpiring,
      lockExpired,
    },
    emails,
  };
}

async function observed<T>(sweep: string, task: () => Promise<T[]>): Promise<T[]> {
  const started = performance.now();
  const rows = await task();
  observeSweep(sweep, (performance.now() - started) / 1000, rows.length);
  return rows;
}

/** Repeats a batch statement until a batch comes back short: nothing due is left (or it is busy). */
async function inBatches<T>(batchSize: number, batch: (limit: number) => Promise<T[]>): Promise<T[]> {
  const all: T[] = [];
  for (;;) {
    const rows = await batch(batchSize);
    all.push(...rows);
    if (rows.length < batchSize) return all;
  }
}

const sorted = (numbers: string[]) => numbers.sort();
const distinctNumbers = (rows: { number: string }[]) => sorted([...new Set(rows.map((row) => row.number))]);
