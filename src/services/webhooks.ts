import { randomBytes, randomUUID } from "node:crypto";
import { noticeView } from "../api/views.js";
import type { Trx } from "../db/database.js";
import { findHolders } from "../db/numbers.js";
import type { NoticeRow, NumberRow } from "../db/tables.js";
import { readCircuit } from "../db/webhook-endpoints.js";
import {
  countActiveWebhooksLocked,
  findWebhook,
  insertEventsWithDeliveries,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  markWebhookDeleted,
  type NumberFacts,
} from "../db/webhooks.js";
import type { Dependencies } from "../dependencies.js";
import { AppError, notFound } from "../error-codes.js";
import type { NoticeOutcome } from "../lifecycle/states.js";
import { noticesTotal } from "../metrics.js";
import { type Principal, requireWriter } from "./principal.js";
import { circuitState, endpointOf } from "./webhook-endpoints.js";
import { assertWebhookUrlAllowed } from "./webhook-url.js";

export const WEBHOOK_EVENTS = [
  "transition.applied",
  "transition.rejected",
  "notice.sent",
  "notice.failed",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];
export type { NumberFacts };

/**
 * Records events (one type, one statement) for every webhook that may hear of each number, inside
 * the caller's transaction: an event commits with the change it reports, or not at all. The
 * scheduler's dispatcher hands the deliveries to the `webhooks` queue.
 */
export async function recordEvents(
  trx: Trx,
  type: WebhookEventType,
  events: { data: unknown; facts: NumberFacts }[],
  at: Date,
): Promise<number> {
  return insertEventsWithDeliveries(
    trx,
    type,
    events.map((event) => ({ id: randomUUID(), ...event })),
    at,
  );
}

/** Who could see the number before and after a change (pass the row as it was and as it is). */
export function numberFacts(...rows: Pick<NumberRow, "number" | "owner_id" | "partner_id">[]): NumberFacts {
  return {
    number: rows[0]!.number,
    ownerIds: rows.map((row) => row.owner_id),
    partnerIds: rows.map((row) => row.partner_id),
  };
}

/**
 * A notice e-mail was sent, or failed for good: `notice.sent` / `notice.failed` for each notice,
 * in the transaction that marks them, to the webhooks that can see each number.
 */
export async function recordNoticeOutcome(
  trx: Trx,
  outcome: NoticeOutcome,
  notices: NoticeRow[],
  at: Date,
): Promise<number> {
  if (notices.length === 0) return 0;
  const numbers = await findHolders(trx, [...new Set(notices.map((notice) => notice.number))]);
  const byNumber = new Map(numbers.map((row) => [row.number, row]));
  // Counted before the commit: a rolled-back send (rare) is counted once too often.
  for (const notice of notices) noticesTotal.inc({ kind: notice.kind, outcome });
  return insertEventsWithDeliveries(
    trx,
    outcome === "sent" ? "notice.sent" : "notice.failed",
    notices.map((notice) => ({
      id: randomUUID(),
      data: noticeView(notice),
      facts: numberFacts(
        byNumber.get(notice.number) ?? { number: notice.number, owner_id: null, partner_id: null },
      ),
    })),
    at,
  );
}

/** A webhook belongs to the key's organisation (none for a platform key). */
export async function createWebhook(
  deps: Dependencies,
  principal: Principal,
  input: { url: string; events: WebhookEventType[] },
) {
  requireWriter(principal);
  await assertWebhookUrlAllowed(input.url, deps.config.webhookAllowPrivate);
  const organizationId = principal.role === "platform_admin" ? null : principal.organizationId;
  const cap = deps.config.webhooksPerOrganization;
  const row = await deps.db.transaction().execute(async (trx) => {
    const active = await countActiveWebhooksLocked(trx, organizationId);
    if (active >= cap)
      throw new AppError(
        "too_many_webhooks",
        `${organizationId ? "This organisation" : "The platform"} already has ${active} webhooks, the most allowed (${cap}); delete one first.`,
        [{ field: "url", message: `At most ${cap} active webhooks per organisation.` }],
      );
    return insertWebhook(trx, {
      id: randomUUID(),
      organizationId,
      // Kept as given: the caller sees back exactly the URL it subscribed.
      url: input.url,
      events: [...new Set(input.events)],
      secret: `whsec_${randomBytes(32).toString("hex")}`,
      createdAt: deps.clock.now(),
    });
  });
  return row;
}

/** A platform key sees every webhook; any other key its organisation's. */
export async function listVisibleWebhooks(deps: Dependencies, principal: Principal) {
  const rows = await listWebhooks(
    deps.db,
    principal.role === "platform_admin" ? undefined : principal.organizationId,
  );
  return rows;
}

async function findVisibleWebhook(deps: Dependencies, principal: Principal, id: string) {
  const row = await findWebhook(deps.db, id);
  if (!row) throw notFound(`Webhook ${id}`);
  if (principal.role !== "platform_admin" && row.organization_id !== principal.organizationId)
    throw notFound(`Webhook ${id}`);
  return row;
}

export async function deleteWebhook(deps: Dependencies, principal: Principal, id: string) {
  requireWriter(principal);
  await findVisibleWebhook(deps, principal, id);
  await markWebhookDeleted(deps.db, id, deps.clock.now());
}

export async function listWebhookDeliveries(
  deps: Dependencies,
  principal: Principal,
  id: string,
  limit: number,
) {
  const webhook = await findVisibleWebhook(deps, principal, id);
  const endpoint = endpointOf(webhook.url);
  const [rows, circuit] = await Promise.all([
    listDeliveries(deps.db, id, limit),
    readCircuit(deps.db, endpoint),
  ]);
  // The receiving server's circuit breaker: shared by every webhook whose URL names that server.
  return {
    rows,
    circuit: { endpoint, state: circuitState(circuit, deps.config.webhookBreakerFailures), row: circuit },
  };
}
