import { randomUUID } from "node:crypto";
import { httpRequest, sleep } from "./load.js";

/**
 * The soak's clients: what upstream systems and people do all day, written as a well-behaved
 * client is: a request that got no answer or a 503 is sent again (transitions with the same
 * Idempotency-Key, so a retry never becomes a second change).
 */

export interface Api {
  base: string;
  key: string;
}

export interface Sample {
  kind: string;
  at: number;
  ms: number;
  status: number;
}

/** Every answer's latency and status, by kind of request; `at` is ms since the run started. */
export class Recorder {
  readonly samples: Sample[] = [];
  readonly accepted: string[] = [];
  readonly hung: { kind: string; at: number }[] = [];
  constructor(readonly started: number) {}

  now() {
    return performance.now() - this.started;
  }
}

/** A request no answer of which may take longer: the API promises 503 rather than a hang. */
const HANG_MS = 30_000;

export async function send(
  api: Api,
  recorder: Recorder,
  kind: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const at = recorder.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const response = await Promise.race([
      httpRequest(`${api.base}${path}`, method, {
        body,
        headers: { authorization: `Bearer ${api.key}`, ...headers },
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("hung")), HANG_MS);
      }),
    ]);
    recorder.samples.push({ kind, at, ms: recorder.now() - at, status: response.status });
    let parsed: any = null;
    try {
      parsed = response.body ? JSON.parse(response.body) : null;
    } catch {}
    return { status: response.status, body: parsed };
  } catch (error) {
    if ((error as Error).message === "hung") recorder.hung.push({ kind, at });
    recorder.samples.push({ kind, at, ms: recorder.now() - at, status: 0 });
    return { status: 0, body: null };
  } finally {
    clearTimeout(timer);
  }
}

/** Sends again while the answer is "unavailable" or none came, up to two minutes. */
async function sendUntilAnswered(...args: Parameters<typeof send>) {
  const deadline = performance.now() + 120_000;
  for (;;) {
    const response = await send(...args);
    if ((response.status !== 503 && response.status !== 0) || performance.now() > deadline) return response;
    await sleep(500);
  }
}

const path = (number: string) => `/v1/numbers/${encodeURIComponent(number)}`;

/** A transition request with its own Idempotency-Key, retried with it until answered. */
export async function requestTransition(
  api: Api,
  recorder: Recorder,
  kind: string,
  number: string,
  body: Record<string, unknown>,
) {
  const response = await sendUntilAnswered(api, recorder, kind, "POST", `${path(number)}/transitions`, body, {
    "idempotency-key": randomUUID(),
  });
  if (response.status === 202) recorder.accepted.push(response.body.id);
  return response;
}

/**
 * One client reserving and releasing its own numbers in turn, at `perSecond`. It keeps its own
 * idea of each number's state and corrects it from the API's refusals.
 */
export async function transitionClient(
  api: Api,
  recorder: Recorder,
  numbers: string[],
  ownerId: string,
  perSecond: number,
  running: () => boolean,
) {
  const reserved = new Set<string>();
  while (running()) {
    for (const number of numbers) {
      if (!running()) return;
      const started = performance.now();
      const action = reserved.has(number) ? "release" : "reserve";
      const response = await requestTransition(api, recorder, "transition", number, {
        action,
        ownerId: action === "reserve" ? ownerId : undefined,
        remark: "soak",
      });
      if (response.status === 202) {
        if (action === "reserve") reserved.add(number);
        else reserved.delete(number);
      } else if (response.body?.error?.code === "invalid_state") {
        // The number is not where we thought (an earlier attempt was applied after all).
        if (reserved.has(number)) reserved.delete(number);
        else reserved.add(number);
      }
      await sleep(Math.max(0, 1000 / perSecond - (performance.now() - started)));
    }
  }
}

const SEARCHES = [
  "/v1/numbers?state=reserved&limit=50",
  "/v1/numbers?q=%2B6590*&limit=100",
  "/v1/numbers?status=pending",
  "/v1/numbers?sort=-updatedAt&limit=20",
  "/v1/numbers?reservationKind=swapped_out",
];

export async function searchClient(api: Api, recorder: Recorder, perSecond: number, running: () => boolean) {
  for (let index = 0; running(); index++) {
    const started = performance.now();
    await send(api, recorder, "search", "GET", SEARCHES[index % SEARCHES.length]!);
    await sleep(Math.max(0, 1000 / perSecond - (performance.now() - started)));
  }
}

/** A sweep by hand every `everyMs`, beside the scheduler's own. */
export async function sweepClient(api: Api, recorder: Recorder, everyMs: number, running: () => boolean) {
  while (running()) {
    await send(api, recorder, "sweep", "POST", "/v1/sweeps", {});
    for (let waited = 0; waited < everyMs && running(); waited += 500) await sleep(500);
  }
}

/** Waits until every number shows `ready(number JSON)`, asking every half second. */
async function waitUntil(
  api: Api,
  recorder: Recorder,
  numbers: string[],
  ready: (item: any) => boolean,
  running: () => boolean,
) {
  const left = new Set(numbers);
  const deadline = performance.now() + 180_000;
  while (left.size > 0 && performance.now() < deadline && running()) {
    for (const number of [...left]) {
      const response = await send(api, recorder, "read", "GET", path(number));
      if (response.status === 200 && ready(response.body)) left.delete(number);
    }
    if (left.size > 0) await sleep(500);
  }
  return left.size === 0;
}

/**
 * Billing's life for a group of numbers, over and over: assign them on a new subscription, report
 * it swapped out (reserved for a day: the sweep notices the owner), wait for the notice to be
 * recorded, release them.
 */
export async function subscriptionDriver(
  api: Api,
  recorder: Recorder,
  group: string[],
  ownerId: string,
  running: () => boolean,
) {
  for (let cycle = 0; running(); cycle++) {
    const subscriptionId = `soak-${group[0]}-${cycle}`;
    for (const number of group)
      await requestTransition(api, recorder, "transition", number, {
        action: "assign",
        ownerId,
        subscriptionId,
      });
    if (!(await waitUntil(api, recorder, group, (item) => item.status === "assigned", running))) continue;
    await sendUntilAnswered(
      api,
      recorder,
      "subscription_event",
      "POST",
      `/v1/subscriptions/${subscriptionId}/events`,
      {
        type: "swapped_out",
      },
    );
    const swapped = (item: any) => item.status === "reserved" && item.reservation?.kind === "swapped_out";
    if (!(await waitUntil(api, recorder, group, swapped, running))) continue;
    // Held until the owner's notice is recorded; then the numbers go back.
    const noticed = new Set<string>();
    const deadline = performance.now() + 120_000;
    while (noticed.size < group.length && performance.now() < deadline && running()) {
      for (const number of group) {
        const response = await send(
          api,
          recorder,
          "read",
          "GET",
          `/v1/notices?number=${encodeURIComponent(number)}`,
        );
        const expiresAt = (await send(api, recorder, "read", "GET", path(number))).body?.reservation
          ?.expiresAt;
        if (response.body?.items?.some((notice: any) => notice.expiresAt === expiresAt)) noticed.add(number);
      }
      if (noticed.size < group.length) await sleep(1_000);
    }
    for (const number of group)
      await requestTransition(api, recorder, "transition", number, { action: "release", remark: "soak" });
    await waitUntil(api, recorder, group, (item) => item.status === "available", running);
  }
}
