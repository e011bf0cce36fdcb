import { randomBytes, type ScryptOptions, scrypt } from "node:crypto";
import { findNumberWithNames } from "../db/number-names.js";
import { findNumber, lockNumber, updateNumber } from "../db/numbers.js";
import type { NumberRow, NumberUpdate } from "../db/tables.js";
import type { Dependencies } from "../dependencies.js";
import { AppError, notFound } from "../error-codes.js";
import { type Principal, requireWriter } from "./principal.js";
import { refuseIfPending } from "./transitions.js";

/** Call settings are free-form, but bounded: they ride along on every read of the number. */
export const MAX_SETTINGS_BYTES = 16 * 1024;

// scrypt cost: ~50 ms per hash on the project's machine; PINs are short, so the KDF must be slow.
const SCRYPT: ScryptOptions = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

function scryptAsync(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_LENGTH, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash` (base64url), so the cost can be raised later without losing old hashes. */
export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(pin, salt);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64url"), key.toString("base64url")].join(
    "$",
  );
}

export function settingsSize(settings: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(settings), "utf8");
}

/**
 * What refuses a change to a number's own configuration (not its life-cycle): a key that may not
 * write or see it, a transition pending (docs/domain.md#pending), a number not in service.
 */
function refuseUnlessChangeable(principal: Principal, row: NumberRow | null, number: string, what: string) {
  requireWriter(principal);
  if (!row) throw notFound(`Number ${number}`);
  refuseIfPending(row);
  if (row.state !== "assigned")
    throw new AppError(
      "invalid_state",
      `Cannot change the ${what} of a number that is ${row.state}; it must be assigned (active).`,
    );
}

/**
 * Changes a number's own configuration in one transaction on the locked row, so a deactivation
 * cannot slip in between the check and the write.
 */
async function changeInService(
  deps: Dependencies,
  principal: Principal,
  number: string,
  what: string,
  update: NumberUpdate,
) {
  requireWriter(principal);
  const now = deps.clock.now();
  const row = await deps.db.transaction().execute(async (trx) => {
    const current = await lockNumber(trx, number, principal.scope);
    refuseUnlessChangeable(principal, current, number, what);
    await updateNumber(trx, number, update, now);
    return (await findNumberWithNames(trx, number, principal.scope))!;
  });
  return row;
}

export async function updateSettings(
  deps: Dependencies,
  principal: Principal,
  number: string,
  settings: Record<string, unknown>,
) {
  const size = settingsSize(settings);
  if (size > MAX_SETTINGS_BYTES)
    throw new AppError(
      "validation_failed",
      `Settings are ${size} bytes as JSON; at most ${MAX_SETTINGS_BYTES} are allowed.`,
      [{ field: "body", message: `At most ${MAX_SETTINGS_BYTES} bytes of JSON.` }],
    );
  return changeInService(deps, principal, number, "settings", { settings: JSON.stringify(settings) });
}

export async function setPin(deps: Dependencies, principal: Principal, number: string, pin: string) {
  // Every refusal is decided before the slow hash, so a request that will be refused costs no
  // scrypt; the hash is made before the row is locked, so the KDF never holds the lock, and the
  // checks run again on the locked row.
  refuseUnlessChangeable(principal, await findNumber(deps.db, number, principal.scope), number, "PIN");
  const pinHash = await hashPin(pin);
  return changeInService(deps, principal, number, "PIN", { pin_hash: pinHash });
}
