import type { ReactNode } from "react";
import { ApiError } from "../api/client";

/** A failure to load or to do something, in the API's words; offers a retry when that can help. */
export function Problem({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : "Something went wrong.";
  const retryable = error instanceof ApiError && error.retryable;
  return (
    <div className="problem" role="alert">
      <p>{message}</p>
      {retryable && onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** Polite news: "Reserve applied." */
export function Status({ children }: { children: ReactNode }) {
  return (
    <p className="status-message" role="status">
      {children}
    </p>
  );
}

/** A number with a pending transition (seeds 001, 002): no other change until it settles. */
export function UpdateInProgress({ onRefresh, action }: { onRefresh: () => void; action?: string }) {
  return (
    <span className="pending">
      <span className="pending-text">update in progress</span>
      {action ? <span className="pending-action"> ({action})</span> : null}{" "}
      <button type="button" className="link-button" onClick={onRefresh}>
        Refresh
      </button>
    </span>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" aria-live="polite">
      Loading {what}…
    </p>
  );
}
