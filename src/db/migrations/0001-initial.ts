import { type Kysely, sql } from "kysely";

// Frozen in time: never import application code here, never edit once landed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE organizations (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('customer', 'partner')),
      billing_email text NOT NULL,
      owner_email text NOT NULL,
      support_email text,
      partner_id uuid REFERENCES organizations (id),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX organizations_partner_id ON organizations (partner_id) WHERE partner_id IS NOT NULL;

    CREATE TABLE api_keys (
      id uuid PRIMARY KEY,
      key_hash text NOT NULL UNIQUE,
      role text NOT NULL CHECK (role IN ('platform_admin', 'partner_admin', 'customer_admin', 'viewer')),
      organization_id uuid REFERENCES organizations (id),
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );

    CREATE TABLE numbers (
      number text PRIMARY KEY CHECK (number ~ '^\\+[1-9][0-9]{7,14}$'),
      state text NOT NULL CHECK (state IN ('available', 'reserved', 'locked', 'assigned', 'cooldown', 'deleted')),
      owner_id uuid REFERENCES organizations (id),
      subscription_id text,
      end_user_id text,
      reservation_kind text,
      reserved_at timestamptz,
      reservation_expires_at timestamptz,
      locked_at timestamptz,
      lock_expires_at timestamptz,
      lock_remark text,
      cooldown_until timestamptz,
      deleted_reason text,
      in_service_since_available boolean NOT NULL DEFAULT false,
      pending_transition_id uuid,
      pending_action text,
      pending_since timestamptz,
      vendor text NOT NULL,
      country text NOT NULL,
      sku text NOT NULL,
      capabilities text[] NOT NULL DEFAULT '{}',
      routing text,
      golden boolean NOT NULL DEFAULT false,
      ported_in boolean NOT NULL DEFAULT false,
      visible_to_domain text,
      partner_id uuid REFERENCES organizations (id),
      site_id uuid,
      range_name text,
      extension text,
      main_number boolean NOT NULL DEFAULT false,
      settings jsonb NOT NULL DEFAULT '{}',
      pin_hash text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      version integer NOT NULL DEFAULT 1
    );
    CREATE INDEX numbers_state ON numbers (state, number);
    CREATE INDEX numbers_owner_id ON numbers (owner_id, number) WHERE owner_id IS NOT NULL;
    CREATE INDEX numbers_partner_id ON numbers (partner_id, number) WHERE partner_id IS NOT NULL;
    CREATE INDEX numbers_subscription_id ON numbers (subscription_id) WHERE subscription_id IS NOT NULL;
    CREATE INDEX numbers_pending ON numbers (pending_since) WHERE pending_transition_id IS NOT NULL;
    CREATE INDEX numbers_reservation_due ON numbers (reservation_expires_at) WHERE state = 'reserved';
    CREATE INDEX numbers_lock_due ON numbers (lock_expires_at) WHERE state = 'locked';
    CREATE INDEX numbers_cooldown_due ON numbers (cooldown_until) WHERE state = 'cooldown';

    CREATE TABLE transitions (
      id uuid PRIMARY KEY,
      number text NOT NULL REFERENCES numbers (number),
      action text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'applied', 'rejected')),
      request jsonb NOT NULL,
      actor text NOT NULL,
      error_code text,
      error_message text,
      before jsonb,
      after jsonb,
      requested_at timestamptz NOT NULL,
      enqueued_at timestamptz NOT NULL,
      finished_at timestamptz
    );
    CREATE INDEX transitions_number ON transitions (number, requested_at);
    CREATE INDEX transitions_pending ON transitions (enqueued_at) WHERE status = 'pending';

    CREATE TABLE number_history (
      id bigserial PRIMARY KEY,
      number text NOT NULL REFERENCES numbers (number),
      at timestamptz NOT NULL,
      action text NOT NULL,
      actor text NOT NULL,
      remark text,
      transition_id uuid,
      before jsonb,
      after jsonb NOT NULL
    );
    CREATE INDEX number_history_number ON number_history (number, id);

    CREATE TABLE idempotency_keys (
      api_key_id uuid NOT NULL,
      key text NOT NULL,
      request_hash text NOT NULL,
      transition_id uuid NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (api_key_id, key)
    );
    CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
  `.execute(db);
}
