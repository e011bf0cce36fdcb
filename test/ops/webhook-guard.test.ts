import { pbkdf2 } from "node:crypto";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { assertWebhookUrlAllowed, guardedLookup, isBlockedAddress } from "../../src/services/webhook-url.js";

/**
 * getaddrinfo runs on libuv's thread pool: while slow hashes hold every thread, a lookup waits
 * behind them exactly as it would behind a resolver that does not answer.
 */
function holdTheThreadPool() {
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  return Promise.all(
    Array.from({ length: threads }, () => promisify(pbkdf2)("x", "salt", 400_000, 32, "sha512")),
  );
}

describe("webhook DNS lookups have a deadline", () => {
  it("refuses a subscription whose host does not resolve in time", async () => {
    const busy = holdTheThreadPool();
    try {
      const started = performance.now();
      await expect(assertWebhookUrlAllowed("https://hooks.example.com/in", false, 100)).rejects.toMatchObject(
        {
          code: "url_not_allowed",
          message: expect.stringMatching(/did not resolve within 0\.1 s/),
        },
      );
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      await busy;
    }
  });

  it("fails a delivery's lookup in time rather than waiting on the resolver", async () => {
    const busy = holdTheThreadPool();
    try {
      const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
        guardedLookup(false, 100)("hooks.example.com", {}, (failure) => resolve(failure)),
      );
      expect(error?.code).toBe("ETIMEOUT");
    } finally {
      await busy;
    }
  });
});

describe("addresses a webhook may reach", () => {
  it.each(["93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946", "2a00:1450:4001:82a::200e"])(
    "%s is public",
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );

  it.each([
    "127.0.0.1",
    "10.0.0.1",
    "192.0.2.10",
    "::1",
    "::",
    "::7f00:1",
    "::ffff:8.8.8.8",
    "::ffff:0:a00:1",
    "64:ff9b::8.8.8.8",
    "64:ff9b:1::a00:1",
    "2002:a00:1::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "fec0::1",
    "not an address",
  ])("%s is refused", (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });
});
