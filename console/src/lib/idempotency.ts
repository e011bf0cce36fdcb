/**
 * A random Idempotency-Key. crypto.getRandomValues works on plain-HTTP origins too, where
 * crypto.randomUUID is not offered.
 */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}
