import { expect } from "vitest";
import type { App } from "../../src/api/app.js";
import { ADMIN_KEY } from "./context.js";

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface CallResult<T = any> {
  status: number;
  body: T;
  headers: Record<string, unknown>;
  text: string;
}

/** One HTTP call through inject(); the key defaults to the bootstrap admin key. */
export async function call<T = any>(
  app: App,
  method: Method,
  url: string,
  options: { key?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<CallResult<T>> {
  const key = options.key === undefined ? ADMIN_KEY : options.key;
  const response = await app.inject({
    method,
    url,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...options.headers },
    ...(options.body === undefined ? {} : { payload: options.body as object }),
  });
  let body: any = null;
  try {
    body = response.body ? JSON.parse(response.body) : null;
  } catch {
    body = null;
  }
  return { status: response.statusCode, body, headers: response.headers, text: response.body };
}

let counter = 0;
const unique = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;

export async function createOrganization(
  app: App,
  fields: Partial<{
    name: string;
    kind: "customer" | "partner";
    partnerId: string;
    supportEmail: string;
  }> = {},
) {
  const id = unique();
  const kind = fields.kind ?? "customer";
  const response = await call(app, "POST", "/v1/organizations", {
    body: {
      name: `Org ${id}`,
      kind,
      billingEmail: `billing-${id}@example.test`,
      ownerEmail: `owner-${id}@example.test`,
      ...(kind === "partner" ? { supportEmail: `support-${id}@example.test` } : {}),
      ...fields,
    },
  });
  expect(response.status, response.text).toBe(201);
  return response.body as {
    id: string;
    name: string;
    kind: string;
    billingEmail: string;
    ownerEmail: string;
    supportEmail: string | null;
  };
}

export async function createKey(app: App, role: string, organizationId?: string): Promise<string> {
  const response = await call(app, "POST", "/v1/api-keys", { body: { role, organizationId } });
  expect(response.status, response.text).toBe(201);
  return response.body.key;
}

let nextNumber = 100_000;
/** A fresh E.164 number for this test file (files use separate databases). */
export const freshNumber = (prefix = "+65612") => `${prefix}${String(nextNumber++).padStart(5, "0")}`;

export async function addNumbers(app: App, items: Record<string, unknown>[], key?: string) {
  const response = await call(app, "POST", "/v1/numbers", {
    key,
    body: { numbers: items.map((item) => ({ vendor: "acme", country: "SG", sku: "DID-SG", ...item })) },
  });
  expect(response.status, response.text).toBe(201);
  return response.body.numbers as any[];
}

export async function addNumber(fields: Record<string, unknown>, app: App, key?: string) {
  const [number] = await addNumbers(app, [{ number: freshNumber(), ...fields }], key);
  return number.number as string;
}

export async function requestTransition(
  app: App,
  number: string,
  body: Record<string, unknown>,
  options: { key?: string; headers?: Record<string, string> } = {},
) {
  return call(app, "POST", `/v1/numbers/${encodeURIComponent(number)}/transitions`, { body, ...options });
}

/** Waits until the transition has finished and returns it. */
export async function finished(app: App, transitionId: string, timeoutMs = 15_000) {
  let last: any;
  await expect
    .poll(
      async () => {
        last = (await call(app, "GET", `/v1/transitions/${transitionId}`)).body;
        return last?.status;
      },
      { timeout: timeoutMs, interval: 50 },
    )
    .not.toBe("pending");
  return last;
}

/** Requests a transition, expects 202, waits for the worker, expects it applied. */
export async function transition(app: App, number: string, body: Record<string, unknown>, key?: string) {
  const accepted = await requestTransition(app, number, body, { key });
  expect(accepted.status, accepted.text).toBe(202);
  const done = await finished(app, accepted.body.id);
  expect(done.status, JSON.stringify(done)).toBe("applied");
  return done;
}

export async function getNumber(app: App, number: string, key?: string) {
  const response = await call(app, "GET", `/v1/numbers/${encodeURIComponent(number)}`, { key });
  return response;
}
