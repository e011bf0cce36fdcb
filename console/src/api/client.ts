import createClient from "openapi-fetch";
import { storedKey } from "../lib/session-storage";
import type { paths } from "./types";

/**
 * The console's only way to the server: the public /v1 API, typed from its OpenAPI document, so
 * a renamed field breaks the build rather than the page. The key goes in the Authorization
 * header of each request, never in a URL.
 */
export const api = createClient<paths>({ baseUrl: window.location.origin });

api.use({
  onRequest({ request }) {
    const key = storedKey();
    if (key && !request.headers.has("authorization")) request.headers.set("authorization", `Bearer ${key}`);
    return request;
  },
});

export interface ErrorDetail {
  field?: string;
  message?: string;
  index?: number;
  number?: string;
  code?: string;
}

/** An answer other than 2xx, as the API worded it (or, with status 0, no answer at all). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }

  /** Worth trying again as it is: the server or the network was away, nothing was refused. */
  get retryable() {
    return this.status === 0 || this.status === 503 || this.status === 502 || this.status === 504;
  }
}

const UNREACHABLE =
  "The server could not be reached, so nothing was changed. Check the connection and try again.";

/** Listeners told when the key stops working (revoked while the tab was open). */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(listener: () => void) {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

function toApiError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (error && typeof error.code === "string" && typeof error.message === "string")
    return new ApiError(
      status,
      error.code,
      error.message,
      Array.isArray(error.details) ? (error.details as ErrorDetail[]) : [],
    );
  if (status === 503 || status === 502 || status === 504)
    return new ApiError(status, "unavailable", "The service is unavailable right now; try again shortly.");
  return new ApiError(status, "unexpected", `The server answered ${status}.`);
}

/**
 * Awaits an openapi-fetch call: its data, or an ApiError carrying the API's own sentence. A 401
 * also tells the session, which signs the tab out.
 */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError(0, "unavailable", UNREACHABLE);
  }
  if (result.response.ok) return result.data as T;
  if (result.response.status === 401) for (const listener of unauthorizedListeners) listener();
  throw toApiError(result.response.status, result.error);
}
