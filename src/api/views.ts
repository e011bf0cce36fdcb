import { timerPolicyOf, toSnapshot } from "../db/number-columns.js";
import type { NamedNumberRow } from "../db/number-names.js";
import type { Organization } from "../db/organizations.js";
import type { SiteSummary } from "../db/site-lists.js";
import type { Occupier, Site } from "../db/sites.js";
import type { HistoryRow, NoticeRow, NumberRow, TransitionRow, WebhookRow } from "../db/tables.js";
import type { EndpointCircuitRow } from "../db/webhook-endpoints.js";
import type { WebhookDeliveryRow } from "../db/webhooks.js";
import { allowedActions } from "../lifecycle/allowed-actions.js";
import type { PolicyApplyReport } from "../services/apply-policies.js";
import type { CurrentKey } from "../services/organizations.js";
import type { Principal } from "../services/principal.js";
import type { SweepReport } from "../services/sweeps.js";
import type { AcceptedTransition } from "../services/transitions.js";
import type { CircuitState } from "../services/webhook-endpoints.js";
import type { WebhookEventType } from "../services/webhooks.js";

/**
 * The JSON the API shows, rendered from rows and domain objects: instants become ISO-8601 UTC
 * strings here and nowhere else. A webhook event carries the same view of its transition or
 * notice, so the services that record events render it with these functions too.
 */

const iso = (value: Date) => value.toISOString();
const isoOrNull = (value: Date | null) => (value ? value.toISOString() : null);

/** A number as JSON (docs/domain.md#a-number). */
export function numberView(row: NumberRow) {
  return {
    number: row.number,
    state: row.state,
    status: row.pending_transition_id ? ("pending" as const) : row.state,
    pending: row.pending_transition_id
      ? {
          transitionId: row.pending_transition_id,
          action: row.pending_action!,
          since: iso(row.pending_since!),
        }
      : null,
    ownerId: row.owner_id,
    subscriptionId: row.subscription_id,
    endUserId: row.end_user_id,
    reservation: row.reservation_kind
      ? {
          kind: row.reservation_kind,
          reservedAt: isoOrNull(row.reserved_at),
          expiresAt: isoOrNull(row.reservation_expires_at),
        }
      : null,
    lock:
      row.state === "locked"
        ? {
            lockedAt: isoOrNull(row.locked_at),
            expiresAt: isoOrNull(row.lock_expires_at),
            remark: row.lock_remark,
          }
        : null,
    cooldownUntil: isoOrNull(row.cooldown_until),
    deletedReason: row.deleted_reason,
    vendor: row.vendor,
    country: row.country,
    sku: row.sku,
    capabilities: row.capabilities,
    routing: row.routing,
    golden: row.golden,
    portedIn: row.ported_in,
    visibleToDomain: row.visible_to_domain,
    partnerId: row.partner_id,
    siteId: row.site_id,
    rangeName: row.range_name,
    extension: row.extension,
    mainNumber: row.main_number,
    settings: row.settings,
    pinIsDefault: row.pin_hash === null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    version: row.version,
    timerPolicy: timerPolicyOf(row),
  };
}

/**
 * A number as one key sees it: the stored fields, the names behind its ids as the key may see
 * them, and the actions this key may request now (`allowedActions`, from the pure life-cycle).
 * Every route that answers with a number renders it with this.
 */
export const numberViewFor = (principal: Principal, now: Date) => (row: NamedNumberRow) => ({
  ...numberView(row),
  ownerName: row.owner_name,
  partnerName: row.partner_name,
  siteName: row.site_name,
  allowedActions: allowedActions(toSnapshot(row), row.pending_transition_id !== null, principal.role, now),
});

export function transitionView(row: TransitionRow) {
  return {
    id: row.id,
    number: row.number,
    action: row.action,
    status: row.status,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? "" } : null,
    requestedAt: iso(row.requested_at),
    finishedAt: isoOrNull(row.finished_at),
    before: (row.before ?? null) as Record<string, unknown> | null,
    after: (row.after ?? null) as Record<string, unknown> | null,
  };
}

export function acceptedTransitionView(accepted: AcceptedTransition) {
  return { ...accepted, requestedAt: iso(accepted.requestedAt) };
}

export function historyEntryView(row: HistoryRow) {
  return {
    at: iso(row.at),
    action: row.action,
    actor: row.actor,
    remark: row.remark,
    transitionId: row.transition_id,
    before: row.before as Record<string, unknown> | null,
    after: row.after as Record<string, unknown>,
  };
}

export function noticeView(row: NoticeRow) {
  return {
    id: row.id,
    kind: row.kind,
    number: row.number,
    expiresAt: iso(row.expires_at),
    recipient: row.recipient,
    status: row.status,
    sentAt: isoOrNull(row.sent_at),
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: iso(row.created_at),
  };
}

/** `GET /v1/api-keys/current`: the key's role, and its organisation's name and kind. */
export function currentKeyView({ principal, organization }: CurrentKey) {
  return {
    id: principal.keyId,
    role: principal.role,
    organizationId: principal.organizationId,
    organizationName: organization?.name ?? null,
    organizationKind: organization?.kind ?? null,
  };
}

export function organizationView(organization: Organization) {
  return { ...organization, createdAt: iso(organization.createdAt), updatedAt: iso(organization.updatedAt) };
}

export function siteView(site: Site) {
  return { ...site, createdAt: iso(site.createdAt) };
}

export function siteSummaryView(site: SiteSummary) {
  return { ...site, createdAt: iso(site.createdAt) };
}

export function occupierView(occupier: Occupier) {
  return { ...occupier, addedAt: iso(occupier.addedAt) };
}

export function webhookView(row: WebhookRow) {
  return {
    id: row.id,
    url: row.url,
    events: row.events as WebhookEventType[],
    organizationId: row.organization_id,
    createdAt: iso(row.created_at),
  };
}

export function deliveryView(row: WebhookDeliveryRow) {
  return {
    eventId: row.event_id,
    type: row.type as WebhookEventType,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    // A pending row not yet handed to the queue goes out as soon as the dispatcher runs.
    nextAttemptAt: row.status === "pending" ? iso(row.next_attempt_at ?? row.created_at) : null,
  };
}

/** A receiving server's circuit breaker, beside a webhook's delivery log. */
export function circuitView(circuit: {
  endpoint: string;
  state: CircuitState;
  row: EndpointCircuitRow | null;
}) {
  return {
    endpoint: circuit.endpoint,
    state: circuit.state,
    consecutiveFailures: circuit.row?.consecutive_failures ?? 0,
    pausedUntil: circuit.state === "open" && circuit.row?.paused_until ? iso(circuit.row.paused_until) : null,
  };
}

export function policyApplyReportView(report: PolicyApplyReport) {
  return {
    numbers: report.numbers,
    changes: report.changes.map((change) => ({ ...change, from: iso(change.from), to: iso(change.to) })),
  };
}

export function sweepReportView(report: SweepReport) {
  return {
    ...report,
    at: iso(report.at),
    emails: report.emails.map((email) => ({
      recipient: email.recipient,
      notices: email.notices.map((notice) => ({
        kind: notice.kind,
        numbers: notice.numbers.map((entry) => ({ number: entry.number, expiresAt: iso(entry.expiresAt) })),
      })),
    })),
  };
}
export type SweepReportView = ReturnType<typeof sweepReportView>;
