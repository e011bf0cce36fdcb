import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: { id: string; type: string; createdAt: string; data: any };
}

/**
 * A real webhook receiver on 127.0.0.1. It answers each POST with the next status in `answers`
 * (then 200), records what it got, and can be stopped and started again on the same port.
 */
export async function startReceiver(answers: number[] = [], port = 0) {
  const received: Received[] = [];
  const queue = [...answers];
  const listen = () =>
    new Promise<Server>((resolve) => {
      const server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          const raw = Buffer.concat(chunks).toString("utf8");
          received.push({ headers: request.headers, raw, body: JSON.parse(raw) });
          response.statusCode = queue.shift() ?? 200;
          response.end("ok");
        });
      });
      server.listen(port, "127.0.0.1", () => resolve(server));
    });
  let server: Server | null = await listen();
  port = (server.address() as AddressInfo).port;
  return {
    received,
    url: `http://127.0.0.1:${port}/hooks`,
    async stop() {
      const running = server;
      server = null;
      if (!running) return;
      const closed = new Promise<void>((resolve) => running.close(() => resolve()));
      running.closeAllConnections(); // keep-alive sockets would hold close() open
      await closed;
    },
    async restart() {
      server = await listen();
    },
  };
}

/** What a receiver does: recompute the HMAC of "{t}.{raw body}" and compare in constant time. */
export function verifySignature(header: string, raw: string, secret: string): boolean {
  const parts = Object.fromEntries(header.split(",").map((part) => part.split("=", 2) as [string, string]));
  if (!parts.t || !parts.v1) return false;
  const expected = createHmac("sha256", secret).update(`${parts.t}.${raw}`).digest();
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A webhook receiver that takes every request and never answers: a dead server as senders meet
 * it. Counts the requests it holds at once; `stop()` drops them all.
 */
export async function startSilentReceiver() {
  const held = new Set<ServerResponse>();
  const stats = { received: 0, holding: 0, mostAtOnce: 0 };
  const server = createServer((request, response) => {
    request.resume();
    stats.received++;
    held.add(response);
    stats.holding = held.size;
    stats.mostAtOnce = Math.max(stats.mostAtOnce, held.size);
    response.on("close", () => {
      held.delete(response);
      stats.holding = held.size;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    stats,
    url: `http://127.0.0.1:${port}/hooks`,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
