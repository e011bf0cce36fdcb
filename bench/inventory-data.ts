import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import pg from "pg";

/*
 * The inventory the search benchmark runs against: realistic spreads of country (and number
 * plan), vendor, SKU, state and attributes, written by one INSERT … SELECT with the secondary
 * indexes dropped and rebuilt afterwards (as a bulk load would), then ANALYZEd.
 */

export const CUSTOMERS = 2_000;
export const PARTNERS = 20;
export const SITES = 200;

/** Country, number prefix, digits after it, share of rows (%), and its vendors (most used first). */
export const COUNTRIES = [
  { code: "SG", prefix: "+65", digits: 8, share: 30, vendors: ["singtel", "starhub", "m1"] },
  { code: "AU", prefix: "+61", digits: 9, share: 20, vendors: ["telstra", "optus", "vocus"] },
  { code: "GB", prefix: "+44", digits: 10, share: 15, vendors: ["bt", "colt", "vodafone"] },
  { code: "US", prefix: "+1", digits: 10, share: 12, vendors: ["bandwidth", "twilio", "lumen"] },
  { code: "HK", prefix: "+852", digits: 8, share: 8, vendors: ["pccw", "hkbn"] },
  { code: "MY", prefix: "+60", digits: 9, share: 6, vendors: ["tm", "maxis"] },
  { code: "JP", prefix: "+81", digits: 10, share: 5, vendors: ["ntt", "kddi"] },
  { code: "DE", prefix: "+49", digits: 10, share: 4, vendors: ["dtag", "colt"] },
] as const;

/** Row i's country: the i-th percentile bucket, so the shares hold exactly. */
function countryCase(pick: (country: (typeof COUNTRIES)[number]) => string): string {
  let upper = 0;
  const arms = COUNTRIES.map((country) => {
    upper += country.share;
    return `WHEN i % 100 < ${upper} THEN ${pick(country)}`;
  });
  return `CASE ${arms.join(" ")} END`;
}
const literal = (text: string) => `'${text}'`;

/**
 * Numbers are unique: (i × 7919) mod 10^k is a bijection on i < 10^k, and the leading digit is
 * kept from 2 to 9 so each is a valid E.164 number of its country's length.
 */
const numberExpression = countryCase(
  (country) =>
    `${literal(country.prefix)} || (2 + (i * 7919) % 8)::text || lpad(((i * 7919) % ${10 ** (country.digits - 1)})::text, ${country.digits - 1}, '0')`,
);

export async function seedInventory(pool: pg.Pool, total: number): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("SET maintenance_work_mem = '512MB'");
    await client.query(`
      INSERT INTO organizations (id, name, kind, billing_email, owner_email, support_email, partner_id)
      SELECT ('00000000-0000-4000-8000-' || lpad(p::text, 12, '0'))::uuid, 'Partner ' || p, 'partner',
        'billing@p' || p || '.test', 'owner@p' || p || '.test', 'support@p' || p || '.test', NULL
      FROM generate_series(1, ${PARTNERS}) AS p;
      INSERT INTO organizations (id, name, kind, billing_email, owner_email, partner_id)
      SELECT ('00000000-0000-4000-9000-' || lpad(c::text, 12, '0'))::uuid, 'Customer ' || c, 'customer',
        'billing@c' || c || '.test', 'owner@c' || c || '.test',
        ('00000000-0000-4000-8000-' || lpad((1 + c % ${PARTNERS})::text, 12, '0'))::uuid
      FROM generate_series(1, ${CUSTOMERS}) AS c;
      INSERT INTO sites (id, name, operator_id)
      SELECT ('00000000-0000-4000-a000-' || lpad(s::text, 12, '0'))::uuid, 'Site ' || s,
        ('00000000-0000-4000-8000-' || lpad((1 + s % ${PARTNERS})::text, 12, '0'))::uuid
      FROM generate_series(1, ${SITES}) AS s;`);

    // Bulk load: drop the secondary indexes, insert, build them again in one pass each.
    const indexes = (
      await client.query<{ name: string; definition: string }>(
        `SELECT indexname AS name, indexdef AS definition FROM pg_indexes
         WHERE tablename = 'numbers' AND indexname <> 'numbers_pkey'`,
      )
    ).rows;
    for (const index of indexes) await client.query(`DROP INDEX ${pg.escapeIdentifier(index.name)}`);
    await client.query("SELECT setseed(0.42)");
    await client.query(`
      INSERT INTO numbers (number, state, owner_id, subscription_id, end_user_id, reservation_kind, reserved_at,
        reservation_expires_at, locked_at, lock_expires_at, lock_remark, cooldown_until, deleted_reason,
        pending_transition_id, pending_action, pending_since, vendor, country, sku, capabilities, routing,
        golden, ported_in, visible_to_domain, partner_id, site_id, range_name, main_number, created_at,
        updated_at, version)
      SELECT number, state,
        CASE WHEN state IN ('reserved', 'assigned') THEN
          ('00000000-0000-4000-9000-' || lpad((1 + (i * 31) % ${CUSTOMERS})::text, 12, '0'))::uuid END,
        CASE WHEN state = 'assigned' THEN 'sub-' || (i % 300000) END,
        CASE WHEN state = 'assigned' AND i % 3 = 0 THEN 'user-' || i END,
        CASE WHEN state = 'reserved' THEN (ARRAY['manual','charged','allocation','subscription_expired',
          'subscription_terminated','swapped_out'])[1 + i % 6] END,
        CASE WHEN state = 'reserved' THEN updated - interval '10 days' END,
        CASE WHEN state = 'reserved' AND i % 6 <> 2 THEN now() + (i % 60) * interval '1 day' END,
        CASE WHEN state = 'locked' THEN updated END,
        CASE WHEN state = 'locked' AND i % 3 > 0 THEN now() + (i % 28) * interval '1 day' END,
        CASE WHEN state = 'locked' THEN 'locked by operations' END,
        CASE WHEN state = 'cooldown' THEN now() + (i % 30) * interval '1 day' END,
        CASE WHEN state = 'deleted' THEN (ARRAY['ported_out','returned_to_vendor','faulty'])[1 + i % 3] END,
        CASE WHEN i % 1000 = 7 THEN gen_random_uuid() END,
        CASE WHEN i % 1000 = 7 THEN 'reserve' END,
        CASE WHEN i % 1000 = 7 THEN now() END,
        vendor, country, country || '-' || (ARRAY['DID','DID','DID','DID','MOBILE','TOLLFREE','GOLD'])[1 + i % 7],
        CASE WHEN i % 20 = 0 THEN ARRAY['voice','sms','fax'] WHEN i % 5 = 0 THEN ARRAY['voice','sms']
          ELSE ARRAY['voice'] END,
        CASE WHEN i % 10 = 0 THEN 'sip:trunk-' || (i % 500) || '.example.net' END,
        i % 100 = 3, i % 20 = 4,
        CASE WHEN i % 20 = 5 THEN 'tenant' || (i % 300) || '.example.com' END,
        CASE WHEN i % 10 < 6 THEN ('00000000-0000-4000-8000-' || lpad((1 + i % ${PARTNERS})::text, 12, '0'))::uuid END,
        CASE WHEN i % 5 = 1 THEN ('00000000-0000-4000-a000-' || lpad((1 + i % ${SITES})::text, 12, '0'))::uuid END,
        CASE WHEN i % 10 < 3 THEN 'R-' || (i % 2000) END,
        i % 200 = 9,
        updated - interval '400 days', updated, 1 + i % 5
      FROM (
        SELECT i, ${numberExpression} AS number,
          ${countryCase((country) => literal(country.code))} AS country,
          ${countryCase((country) => `(ARRAY[${country.vendors.map(literal).join(",")}])[1 + floor(power(random(), 2) * ${country.vendors.length})::int]`)} AS vendor,
          CASE WHEN r < 0.45 THEN 'available' WHEN r < 0.80 THEN 'assigned' WHEN r < 0.90 THEN 'reserved'
            WHEN r < 0.93 THEN 'locked' WHEN r < 0.97 THEN 'cooldown' ELSE 'deleted' END AS state,
          now() - random() * interval '700 days' AS updated
        FROM (SELECT i, random() AS r FROM generate_series(1::bigint, ${total}) AS i) AS series
      ) AS generated`);
    // A pending number has its pending transitions row, as the API writes the two together.
    await client.query(`
      INSERT INTO transitions (id, number, action, status, request, actor, requested_at, enqueued_at, visible_to)
      SELECT pending_transition_id, number, pending_action, 'pending', jsonb_build_object('action', pending_action),
        'bench', pending_since, pending_since, '{}'
      FROM numbers WHERE pending_transition_id IS NOT NULL`);
    for (const index of indexes) await client.query(index.definition);
    await client.query("VACUUM ANALYZE numbers");
  } finally {
    client.release();
  }
}

/**
 * A CSV file for the import: `rows` new numbers (a prefix the seed does not use), with a few
 * malformed rows and duplicates sprinkled in as a real file would have.
 */
export async function writeImportFile(path: string, rows: number): Promise<void> {
  const file = createWriteStream(path);
  const write = async (text: string) => {
    if (!file.write(text)) await once(file, "drain");
  };
  await write("number,vendor,country,sku,capabilities,routing,golden,portedIn,rangeName\n");
  const vendors = ["eir", "three", "vodafone"];
  const irish = (index: number) => `+3538${String((index * 7919) % 100_000_000).padStart(8, "0")}`;
  for (let i = 0; i < rows; i++) {
    // One row in a thousand cannot be a number, one repeats the row before it.
    const number = i % 1000 === 11 ? "+353 not a number" : irish(i % 1000 === 13 ? i - 1 : i);
    const capabilities = i % 5 === 0 ? "voice|sms" : "voice";
    const routing = i % 10 === 0 ? `"sip:trunk-${i % 500}.example.net,backup"` : "";
    await write(
      `${number},${vendors[i % 3]},IE,IE-MOBILE,${capabilities},${routing},${i % 100 === 3},${i % 20 === 4},R-${i % 2000}\n`,
    );
  }
  file.end();
  await finished(file);
}
