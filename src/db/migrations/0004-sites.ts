import { type Kysely, sql } from "kysely";

// Frozen in time: never import application code here, never edit once landed.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE sites (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      operator_id uuid NOT NULL REFERENCES organizations (id),
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX sites_operator_id ON sites (operator_id);

    CREATE TABLE site_occupiers (
      site_id uuid NOT NULL REFERENCES sites (id),
      organization_id uuid NOT NULL REFERENCES organizations (id),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (site_id, organization_id)
    );
    CREATE INDEX site_occupiers_organization_id ON site_occupiers (organization_id);

    -- One row per (site, organisation); activations lock it to serialise the entitlement check.
    CREATE TABLE site_entitlements (
      site_id uuid NOT NULL REFERENCES sites (id),
      organization_id uuid NOT NULL REFERENCES organizations (id),
      voice_services integer NOT NULL DEFAULT 0 CHECK (voice_services >= 0),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (site_id, organization_id)
    );

    CREATE TABLE main_number_forwarding (
      site_id uuid NOT NULL REFERENCES sites (id),
      organization_id uuid NOT NULL REFERENCES organizations (id),
      hunt_group boolean NOT NULL DEFAULT false,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (site_id, organization_id)
    );

    CREATE TABLE hunt_group_members (
      site_id uuid NOT NULL REFERENCES sites (id),
      organization_id uuid NOT NULL REFERENCES organizations (id),
      number text NOT NULL REFERENCES numbers (number),
      added_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (site_id, organization_id, number)
    );
    CREATE INDEX hunt_group_members_number ON hunt_group_members (number);

    -- NOT VALID: rows written before this migration are not re-checked; every new one is.
    ALTER TABLE numbers
      ADD CONSTRAINT numbers_site_id_fkey FOREIGN KEY (site_id) REFERENCES sites (id) NOT VALID;
    -- Counting an organisation's active numbers at a site (the entitlement check).
    CREATE INDEX numbers_site_owner ON numbers (site_id, owner_id, state) WHERE site_id IS NOT NULL;
  `.execute(db);
}
