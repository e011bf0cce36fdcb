import { type Kysely, sql } from "kysely";

// Frozen in time: never import application code here, never edit once landed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A subscription: an organisation's (NULL = the platform's) URL and the event types it wants.
    -- Deleting keeps the row (deleted_at) so its delivery log stays readable.
    CREATE TABLE webhooks (
      id uuid PRIMARY KEY,
      organization_id uuid REFERENCES organizations (id),
      url text NOT NULL,
      events text[] NOT NULL,
      secret text NOT NULL,
      created_at timestamptz NOT NULL,
      deleted_at timestamptz
    );
    CREATE INDEX webhooks_active ON webhooks (organization_id) WHERE deleted_at IS NULL;

    -- The outbox: written in the same transaction as the change it reports, so a crash cannot
    -- lose an event. audience = the organisations that could see the number when it happened.
    CREATE TABLE webhook_events (
      id uuid PRIMARY KEY,
      type text NOT NULL,
      number text,
      audience uuid[] NOT NULL DEFAULT '{}',
      data jsonb NOT NULL,
      created_at timestamptz NOT NULL
    );
    CREATE INDEX webhook_events_created ON webhook_events (created_at);

    -- One row per (event, matching webhook); the delivery log. next_attempt_at is when a job
    -- should next run for it: the dispatcher hands due rows to the queue (again, if a job was lost).
    CREATE TABLE webhook_deliveries (
      event_id uuid NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
      webhook_id uuid NOT NULL REFERENCES webhooks (id),
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      last_status_code integer,
      last_error text,
      next_attempt_at timestamptz,
      created_at timestamptz NOT NULL,
      finished_at timestamptz,
      PRIMARY KEY (webhook_id, event_id)
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, created_at DESC);
  `.execute(db);
}
