import { Agent, request } from "node:http";

const agents = new Map<number, Agent>();

/** A keep-alive HTTP/1.1 call; node:http costs the load generator less CPU than fetch. */
export function httpRequest(
  url: string,
  method: string,
  options: { body?: unknown; headers?: Record<string, string>; maxSockets?: number } = {},
): Promise<{ status: number; body: string }> {
  const maxSockets = options.maxSockets ?? 64;
  let agent = agents.get(maxSockets);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets });
    agents.set(maxSockets, agent);
  }
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method,
        agent,
        headers: {
          ...(payload
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
            : {}),
          ...options.headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(payload);
  });
}

export function closeHttpAgents() {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `concurrency` clients, each sending its next request as soon as the last one answered, until
 * `total` were sent or `seconds` have passed; returns how many were sent.
 */
export async function closedLoop(
  total: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
  seconds = Number.POSITIVE_INFINITY,
): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let next = 0;
  const client = async () => {
    while (next < total && performance.now() < deadline) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, client));
  return next;
}

/**
 * Requests started on a fixed schedule (`perSecond`), whatever the answers take, so slow answers
 * show up as latency instead of silently lowering the rate; at most `maxInFlight` at once.
 * Returns how far behind schedule the last request started (ms): near 0 means the rate was held.
 */
export async function openLoop(
  total: number,
  perSecond: number,
  maxInFlight: number,
  task: (index: number) => Promise<void>,
): Promise<{ lagMs: number }> {
  const started = performance.now();
  const running = new Set<Promise<void>>();
  let lagMs = 0;
  for (let index = 0; index < total; index++) {
    const due = started + (index * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    while (running.size >= maxInFlight) await Promise.race(running);
    lagMs = Math.max(0, performance.now() - due);
    const promise = task(index).finally(() => running.delete(promise));
    running.add(promise);
  }
  await Promise.all(running);
  return { lagMs: Math.round(lagMs) };
}
