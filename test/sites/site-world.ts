import { expect, vi } from "vitest";
import type { App } from "../../src/api/app.js";
import {
  addNumbers,
  call,
  createKey,
  createOrganization,
  freshNumber,
  getNumber,
  requestTransition,
} from "../support/api.js";

/** A site with its operator (a partner), two occupiers (its customers), an outsider and their keys. */
export async function createSiteWorld(app: App) {
  const operator = await createOrganization(app, { kind: "partner" });
  const occupierA = await createOrganization(app, { partnerId: operator.id });
  const occupierB = await createOrganization(app, { partnerId: operator.id });
  const outsider = await createOrganization(app, { partnerId: operator.id });
  const created = await call(app, "POST", "/v1/sites", {
    body: { name: "Harbour Tower", operatorId: operator.id },
  });
  expect(created.status, created.text).toBe(201);
  const siteId: string = created.body.id;
  for (const occupier of [occupierA, occupierB]) {
    const added = await call(app, "POST", `/v1/sites/${siteId}/occupiers`, {
      body: { organizationId: occupier.id },
    });
    expect(added.status, added.text).toBe(201);
  }
  return {
    siteId,
    operator,
    occupierA,
    occupierB,
    outsider,
    operatorKey: await createKey(app, "partner_admin", operator.id),
    keyA: await createKey(app, "customer_admin", occupierA.id),
    keyB: await createKey(app, "customer_admin", occupierB.id),
  };
}
export type SiteWorld = Awaited<ReturnType<typeof createSiteWorld>>;

let extension = 100;

/** Numbers provisioned at the site by the platform. */
export async function provision(
  app: App,
  siteId: string,
  count: number,
  fields: Record<string, unknown> = {},
): Promise<string[]> {
  const items = Array.from({ length: count }, () => ({
    number: freshNumber("+65630"),
    siteId,
    rangeName: "Harbour main range",
    extension: String(extension++),
    ...fields,
  }));
  const added = await addNumbers(app, items);
  return added.map((row) => row.number as string);
}

export const numberPath = (number: string) => `/v1/numbers/${encodeURIComponent(number)}`;

/** Waits until a transition has finished (vi.waitFor also works in hooks, unlike expect.poll). */
export async function settled(app: App, transitionId: string) {
  return vi.waitFor(
    async () => {
      const body = (await call(app, "GET", `/v1/transitions/${transitionId}`)).body;
      if (body?.status !== "applied" && body?.status !== "rejected") throw new Error("still pending");
      return body;
    },
    { timeout: 15_000, interval: 25 },
  );
}

/** Requests a transition, expects 202, waits, expects it applied. */
export async function applied(app: App, number: string, body: Record<string, unknown>, key?: string) {
  const accepted = await requestTransition(app, number, body, { key });
  expect(accepted.status, accepted.text).toBe(202);
  return waitApplied(app, accepted.body.id);
}

export async function allocate(app: App, number: string, ownerId: string, key?: string) {
  return applied(app, number, { action: "allocate", ownerId }, key);
}

export async function setVoiceServices(
  app: App,
  siteId: string,
  organizationId: string,
  voiceServices: number,
) {
  const response = await call(app, "PUT", `/v1/sites/${siteId}/entitlements/${organizationId}`, {
    body: { voiceServices },
  });
  expect(response.status, response.text).toBe(200);
  return response.body;
}

/** Reads the number, expects the request to be refused at once with `code`, and the number unchanged. */
export async function expectRefusedUnchanged(
  app: App,
  number: string,
  body: Record<string, unknown>,
  expected: { status: number; code: string },
  key?: string,
) {
  const before = (await getNumber(app, number)).body;
  const response = await requestTransition(app, number, body, { key });
  expect(response.status, response.text).toBe(expected.status);
  expect(response.body.error.code).toBe(expected.code);
  expect(response.body.error.message).toMatch(/^[A-Z].*\.$/);
  expect((await getNumber(app, number)).body).toEqual(before);
  return response.body.error as { code: string; message: string };
}

/** Waits for a transition the engine requested itself (e.g. an automatic main number). */
export async function waitApplied(app: App, transitionId: string) {
  const done = await settled(app, transitionId);
  expect(done.status, JSON.stringify(done)).toBe("applied");
  return done;
}

export async function huntGroup(app: App, siteId: string, organizationId: string, key?: string) {
  return call(app, "GET", `/v1/sites/${siteId}/hunt-groups/${organizationId}`, { key });
}
