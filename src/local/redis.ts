import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import type { LocalService } from "./postgres.js";
import { freePort, isAlive, isRoot, waitFor, which } from "./processes.js";

export interface LocalRedisOptions {
  dataDir: string;
  ephemeral?: boolean;
  /** A fixed port (a restart on the same address); a free one when unset. */
  port?: number;
  log?: (message: string) => void;
}

/** Runs the OS package's redis-server on a free port with its files under `<dataDir>/redis`. */
export async function startLocalRedis(options: LocalRedisOptions): Promise<LocalService> {
  const log = options.log ?? (() => {});
  const binary = which("redis-server") ?? installRedis(log);
  const dir = join(options.dataDir, "redis");
  await mkdir(dir, { recursive: true });
  const stateFile = join(dir, "numbers-redis.json");

  const previous = existsSync(stateFile)
    ? (JSON.parse(await readFile(stateFile, "utf8")) as { pid: number; port: number })
    : null;
  if (previous && isAlive(previous.pid) && (await ping(previous.port))) {
    log(`reusing the redis-server already running on port ${previous.port}`);
    return { url: `redis://127.0.0.1:${previous.port}`, stop: async () => {} };
  }

  const port = options.port ?? (await freePort());
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--logfile",
    join(dir, "redis.log"),
    // BullMQ must never lose keys to eviction.
    "--maxmemory-policy",
    "noeviction",
    "--save",
    "",
    "--appendonly",
    options.ephemeral ? "no" : "yes",
    "--daemonize",
    "no",
  ];
  const child = spawn(binary, args, { detached: true, stdio: "ignore" });
  child.unref();
  const failed = new Promise<Error>((resolve) => child.once("error", resolve));
  const error = await Promise.race([
    failed,
    new Promise<null>((resolve) => setTimeout(() => resolve(null), 100)),
  ]);
  if (error) throw new Error(`redis-server could not start: ${error.message}`);
  const pid = child.pid!;
  await writeFile(stateFile, JSON.stringify({ pid, port }));
  await waitFor(() => ping(port), 30_000, "redis-server");

  return {
    url: `redis://127.0.0.1:${port}`,
    pid,
    async stop() {
      if (!isAlive(pid)) return;
      process.kill(pid, "SIGTERM");
      await waitFor(async () => !isAlive(pid), 10_000, "redis-server shutdown").catch(() =>
        process.kill(pid, "SIGKILL"),
      );
      await rm(stateFile, { force: true });
      if (options.ephemeral) await rm(dir, { recursive: true, force: true });
    },
  };
}

function installRedis(log: (message: string) => void): string {
  if (isRoot() && existsSync("/etc/debian_version") && which("apt-get")) {
    log("redis-server is missing; installing it with apt-get");
    const install = spawnSync(
      "sh",
      ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server"],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    const binary = which("redis-server");
    if (install.status === 0 && binary) return binary;
  }
  throw new Error(
    "redis-server is not installed: install it (e.g. `sudo apt-get install redis-server`) or set REDIS_URL to a running Redis.",
  );
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}
