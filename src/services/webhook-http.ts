import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { guardedLookup, isBlockedAddress } from "./webhook-url.js";

/** The whole exchange with a receiver must end within this. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export interface PostResult {
  statusCode: number | null;
  error: string | null;
}

/**
 * POSTs with a 10 s deadline for the whole exchange; never follows redirects. The address is
 * checked before connecting (SSRF guard, docs/decisions.md): an IP literal here, a name at lookup.
 */
export function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  allowPrivate: boolean,
): Promise<PostResult> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, "");
  // An IP literal is never looked up, so the lookup guard cannot see it: check it here.
  if (!allowPrivate && isIP(host) && isBlockedAddress(host))
    return Promise.resolve({
      statusCode: null,
      error: `${host} is a loopback, private or link-local address.`,
    });
  const client = target.protocol === "https:" ? https : http;
  return new Promise((resolve) => {
    const request = client.request(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
        lookup: guardedLookup(allowPrivate) as never,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      },
      (response) => {
        // Drain the answer so the socket is released; its content is not used.
        response.resume();
        response.on("end", () => resolve({ statusCode: response.statusCode ?? null, error: null }));
        response.on("error", (error) =>
          resolve({ statusCode: response.statusCode ?? null, error: error.message }),
        );
      },
    );
    request.on("error", (error) =>
      resolve({
        statusCode: null,
        error:
          error.name === "AbortError" || error.name === "TimeoutError"
            ? "No answer within 10 s."
            : error.message,
      }),
    );
    request.end(body);
  });
}
