import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";
import type {
  Action,
  Capability,
  DeleteReason,
  DeliveryStatus,
  HistoryAction,
  NoticeAudience,
  NoticeKind,
  NoticeStatus,
  OrganizationKind,
  ReservationKind,
  Role,
  State,
  TransitionStatus,
} from "../lifecycle/states.js";

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json = ColumnType<unknown, string, string>;

export interface OrganizationsTable {
  id: string;
  name: string;
  kind: OrganizationKind;
  billing_email: string;
  owner_email: string;
  support_email: string | null;
  partner_id: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  key_hash: string;
  role: Role;
  organization_id: string | null;
  created_at: CreatedAt;
  revoked_at: Timestamp | null;
}

export interface NumbersTable {
  number: string;
  state: State;
  owner_id: string | null;
  subscription_id: string | null;
  end_user_id: string | null;
  reservation_kind: ReservationKind | null;
  reserved_at: Timestamp | null;
  reservation_expires_at: Timestamp | null;
  locked_at: Timestamp | null;
  lock_expires_at: Timestamp | null;
  lock_remark: string | null;
  cooldown_until: Timestamp | null;
  deleted_reason: DeleteReason | null;
  in_service_since_available: Generated<boolean>;
  pending_transition_id: string | null;
  pending_action: Action | null;
  pending_since: Timestamp | null;
  vendor: string;
  country: string;
  sku: string;
  capabilities: ColumnType<Capability[], Capability[] | undefined, Capability[]>;
  routing: string | null;
  golden: Generated<boolean>;
  ported_in: Generated<boolean>;
  visible_to_domain: string | null;
  partner_id: string | null;
  site_id: string | null;
  range_name: string | null;
  extension: string | null;
  main_number: Generated<boolean>;
  settings: ColumnType<Record<string, unknown>, string | undefined, string>;
  pin_hash: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
  version: Generated<number>;
  timer_started_at: Timestamp | null;
  timer_policy_country: string | null;
  timer_policy_class: string | null;
}

export interface NumberPoliciesTable {
  position: number;
  country: string | null;
  number_class: string | null;
  cooldown_days: number | null;
  lock_days: number | null;
  reservation_days: number | null;
  subscription_expired_days: number | null;
  subscription_terminated_days: number | null;
  swapped_out_days: number | null;
  precedence: ColumnType<number, never, never>;
}

export interface NumberPolicySetTable {
  singleton: Generated<boolean>;
  version: number;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface TransitionsTable {
  id: string;
  number: string;
  action: Action;
  status: TransitionStatus;
  request: Json;
  actor: string;
  error_code: string | null;
  error_message: string | null;
  before: Json | null;
  after: Json | null;
  requested_at: Timestamp;
  enqueued_at: Timestamp;
  finished_at: Timestamp | null;
  /** Organisations that may read the row (src/db/scope.ts, audienceSql). */
  visible_to: string[];
  failed_attempts: Generated<number>;
}

export interface NumberHistoryTable {
  id: Generated<string>;
  number: string;
  at: Timestamp;
  action: HistoryAction;
  actor: string;
  remark: string | null;
  transition_id: string | null;
  before: Json | null;
  after: Json;
  visible_to: string[];
}

export interface IdempotencyKeysTable {
  api_key_id: string;
  key: string;
  request_hash: string;
  transition_id: string;
  created_at: Timestamp;
}

export interface SitesTable {
  id: string;
  name: string;
  operator_id: string;
  created_at: CreatedAt;
}

export interface SiteOccupiersTable {
  site_id: string;
  organization_id: string;
  created_at: CreatedAt;
}

export interface SiteEntitlementsTable {
  site_id: string;
  organization_id: string;
  voice_services: number;
  updated_at: Timestamp;
}

export interface MainNumberForwardingTable {
  site_id: string;
  organization_id: string;
  hunt_group: boolean;
  updated_at: Timestamp;
}

export interface HuntGroupMembersTable {
  site_id: string;
  organization_id: string;
  number: string;
  added_at: Timestamp;
}

export interface NoticesTable {
  id: string;
  number: string;
  kind: NoticeKind;
  expires_at: Timestamp;
  audience: NoticeAudience;
  recipient: string;
  batch_id: string;
  status: Generated<NoticeStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  sent_at: Timestamp | null;
  created_at: Timestamp;
  visible_to: string[];
}

export interface WebhooksTable {
  id: string;
  organization_id: string | null;
  url: string;
  events: ColumnType<string[], string[], string[]>;
  secret: string;
  created_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface WebhookEventsTable {
  id: string;
  type: string;
  number: string | null;
  audience: ColumnType<string[], string[] | undefined, string[]>;
  data: Json;
  created_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  event_id: string;
  webhook_id: string;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Timestamp | null;
  created_at: Timestamp;
  finished_at: Timestamp | null;
  recorded_at: Generated<Date>;
}

export interface WebhookEndpointsTable {
  /** scheme://host:port of webhook URLs: the receiving server. */
  endpoint: string;
  consecutive_failures: number;
  times_opened: number;
  opened_at: Timestamp | null;
  paused_until: Timestamp | null;
  updated_at: Timestamp;
}

export interface ServerSecretsTable {
  name: string;
  value: Buffer;
  created_at: CreatedAt;
}

export interface Database {
  organizations: OrganizationsTable;
  api_keys: ApiKeysTable;
  numbers: NumbersTable;
  transitions: TransitionsTable;
  number_history: NumberHistoryTable;
  idempotency_keys: IdempotencyKeysTable;
  webhooks: WebhooksTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_endpoints: WebhookEndpointsTable;
  sites: SitesTable;
  site_occupiers: SiteOccupiersTable;
  site_entitlements: SiteEntitlementsTable;
  main_number_forwarding: MainNumberForwardingTable;
  hunt_group_members: HuntGroupMembersTable;
  notices: NoticesTable;
  number_policies: NumberPoliciesTable;
  number_policy_set: NumberPolicySetTable;
  server_secrets: ServerSecretsTable;
}

export type NumberRow = Selectable<NumbersTable>;
export type NewNumberRow = Insertable<NumbersTable>;
export type NumberUpdate = Updateable<NumbersTable>;
export type OrganizationRow = Selectable<OrganizationsTable>;
export type TransitionRow = Selectable<TransitionsTable>;
export type NoticeRow = Selectable<NoticesTable>;
export type HistoryRow = Selectable<NumberHistoryTable>;
export type WebhookRow = Selectable<WebhooksTable>;
