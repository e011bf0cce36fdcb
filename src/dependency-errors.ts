const CONNECTION_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "53300", // too_many_connections
  // A statement that ran past statement_timeout: Postgres is overloaded or stalled; retry later.
  "57014", // query_canceled
]);

/** Postgres (or Redis) could not be reached: the caller should retry, not read a stack trace. */
export function isUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code && (CONNECTION_ERROR_CODES.has(code) || code.startsWith("08"))) return true;
  // "is not queryable": a transaction's ROLLBACK on a connection that just died (Postgres
  // restarting) fails with this, and Kysely reports it instead of the first error.
  return /Connection terminated|timeout exceeded when trying to connect|Connection is closed|connect ECONNREFUSED|Stream isn't writeable|ended by the other party|timed out|is not queryable/i.test(
    message ?? "",
  );
}

/** Postgres answered, but for a reason that says nothing about the work: trying again can succeed. */
const TRANSIENT_DATABASE_CODES = new Set([
  "40001", // serialization_failure
  "40P01", // deadlock_detected
  "55P03", // lock_not_available
  "53100", // disk_full
  "53200", // out_of_memory
]);

/**
 * A failure of the infrastructure rather than of the work itself: a job that meets one is retried
 * without counting it against the work (a Postgres restart must not reject transitions).
 */
export function isTransient(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: string };
  return isUnavailable(error) || (code !== undefined && TRANSIENT_DATABASE_CODES.has(code));
}
