import { describe, expect, it } from "vitest";
import { isTransient } from "../../src/dependency-errors.js";
import {
  circuitState,
  EndpointLimiter,
  endpointOf,
  isServerFailure,
} from "../../src/services/webhook-endpoints.js";

describe("a webhook's receiving server", () => {
  it("is the scheme, host and port of its URL", () => {
    expect(endpointOf("https://user:secret@Hooks.Example.com/a/b?c=1")).toBe("https://hooks.example.com");
    expect(endpointOf("https://hooks.example.com:443/x")).toBe("https://hooks.example.com");
    expect(endpointOf("http://127.0.0.1:8080/x")).toBe("http://127.0.0.1:8080");
    expect(endpointOf("http://[::1]:8080/x")).toBe("http://[::1]:8080");
  });

  it.each([
    [null, true],
    [500, true],
    [503, true],
    [429, true],
    [404, false],
    [410, false],
    [200, false],
  ])("answering %s is a failure of the server: %s", (statusCode, failure) => {
    expect(isServerFailure(statusCode)).toBe(failure);
  });

  it("has a circuit that opens at the threshold and is half open once the pause is over", () => {
    expect(circuitState(null, 3)).toBe("closed");
    expect(circuitState({ consecutive_failures: 2, paused_until: null, pause_left_ms: 0 }, 3)).toBe("closed");
    const paused = { consecutive_failures: 3, paused_until: new Date(), pause_left_ms: 1_500 };
    expect(circuitState(paused, 3)).toBe("open");
    expect(circuitState({ ...paused, pause_left_ms: 0 }, 3)).toBe("half_open");
  });
});

describe("EndpointLimiter", () => {
  it("lets a few deliveries at once reach one server, and any number reach others", () => {
    const limiter = new EndpointLimiter(2);
    expect(limiter.tryAcquire("http://a")).toBe(true);
    expect(limiter.tryAcquire("http://a")).toBe(true);
    expect(limiter.tryAcquire("http://a")).toBe(false);
    expect(limiter.tryAcquire("http://b")).toBe(true);
    limiter.release("http://a", 0, 500);
    expect(limiter.tryAcquire("http://a")).toBe(true);
  });

  it("hands the deliveries it turns away slots spread at the pace the server answers", () => {
    const limiter = new EndpointLimiter(2);
    const now = 1_000_000;
    limiter.tryAcquire("http://a");
    limiter.release("http://a", now, 1_000); // one attempt took 1 s: the average moves towards it
    limiter.tryAcquire("http://a");
    limiter.tryAcquire("http://a");
    const slots = [1, 2, 3, 4].map(() => limiter.nextSlot("http://a", now));
    // One slot per (average attempt time / 2), one after the other.
    const gaps = slots.map((slot, index) => slot - (index === 0 ? now : slots[index - 1]!));
    expect(new Set(gaps).size).toBe(1);
    expect(gaps[0]).toBe(500);
  });
});

describe("isTransient", () => {
  it.each([
    [{ code: "ECONNREFUSED" }, true],
    [{ code: "57P01" }, true],
    [{ code: "08006" }, true],
    [{ code: "40P01" }, true],
    [{ code: "57014" }, true],
    [{ message: "Connection terminated unexpectedly" }, true],
    [{ code: "23514" }, false],
    [{ code: "22P02" }, false],
    [new TypeError("Cannot read properties of undefined"), false],
  ])("%o: %s", (error, transient) => {
    expect(isTransient(error)).toBe(transient);
  });
});
