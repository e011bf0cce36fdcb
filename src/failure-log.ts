import type { Logger } from "pino";

/** Hears the failure of a connection or of background work: `source` names where it happened. */
export type FailureReporter = (source: string, error: unknown) => void;

const kindOf = (error: unknown) => {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  return String(code ?? name ?? "error");
};

/**
 * Logs failures at warn, at most once per source and kind of error per `intervalMs`: an outage
 * is heard the moment it starts, and a connection retrying every 200 ms does not flood the log
 * (the next line says how many were held back). Wall-clock time, not the business clock: this
 * paces a log, it decides nothing.
 */
export function failureReporter(
  log: Logger,
  intervalMs = 30_000,
  now: () => number = () => performance.now(),
): FailureReporter {
  const lastLogged = new Map<string, { at: number; heldBack: number }>();
  return (source, error) => {
    const key = `${source}:${kindOf(error)}`;
    const at = now();
    const last = lastLogged.get(key);
    if (last && at - last.at < intervalMs) {
      last.heldBack += 1;
      return;
    }
    lastLogged.set(key, { at, heldBack: 0 });
    log.warn({ source, err: error, heldBack: last?.heldBack ?? 0 }, `${source} failed`);
  };
}
