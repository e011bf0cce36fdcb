import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { failureReporter } from "../../src/failure-log.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { log: pino({ level: "warn" }, stream), lines };
}

const refused = () =>
  Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), { code: "ECONNREFUSED" });

describe("failures are heard, not flooded", () => {
  it("logs each source and kind of error at warn at most once per interval, then says how many were held back", () => {
    const { log, lines } = capture();
    let now = 0;
    const heard = failureReporter(log, 30_000, () => now);

    for (let attempt = 0; attempt < 50; attempt++) heard("redis", refused());
    heard("postgres", refused());
    heard("redis", new Error("something else"));
    expect(lines.map((line) => [line.level, line.source, line.heldBack])).toEqual([
      [40, "redis", 0],
      [40, "postgres", 0],
      [40, "redis", 0],
    ]);
    expect(lines[0]).toMatchObject({
      msg: "redis failed",
      err: { message: "connect ECONNREFUSED 127.0.0.1:6379" },
    });

    now = 29_999;
    heard("redis", refused());
    expect(lines).toHaveLength(3);
    now = 30_000;
    heard("redis", refused());
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ source: "redis", heldBack: 50 });
  });
});
