import { randomBytes } from "node:crypto";
import pg from "pg";
import { type AppProcess, httpRequest, progress, sleep, startApp, startStack, summarize } from "./support.js";
import { numbersFrom, seed } from "./transitions-sql.js";

/*
 * `npm run bench -- shutdown`: how long `--role all` takes to exit after SIGTERM in the middle of
 * a burst of transition requests (target: under 10 s, the usual wait before SIGKILL; the process
 * gives itself 9 s). Each round starts the process, lets 20 clients send `lock` requests without
 * pause, signals it once 40 have been accepted, and times the exit. A last start applies what the
 * rounds left pending, and the run checks that every accepted transition ended applied.
 */
const ROUNDS = 5;
const NUMBERS_PER_ROUND = 300;
const CLIENTS = 20;
const SIGNAL_AFTER_ACCEPTED = 40;
const PREFIX = "+6586";

export async function run(): Promise<object> {
  progress("starting Postgres and Redis");
  const stack = await startStack();
  const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  const adminKey = `nk_bench_${randomBytes(24).toString("base64url")}`;
  const env = { NUMBERS_ADMIN_KEY: adminKey, RECONCILE_AFTER_SECONDS: "1" };
  let app: AppProcess | undefined;
  try {
    await seed(pool, [{ prefix: PREFIX, count: ROUNDS * NUMBERS_PER_ROUND }]);
    const numbers = numbersFrom(PREFIX, ROUNDS * NUMBERS_PER_ROUND);
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      progress(`round ${round + 1} of ${ROUNDS}`);
      app = await startApp(stack, "all", env);
      const batch = numbers.slice(round * NUMBERS_PER_ROUND, (round + 1) * NUMBERS_PER_ROUND);
      rounds.push(await burstThenTerminate(app, adminKey, batch));
      app = undefined;
    }
    progress("restarting once to finish what was accepted");
    app = await startApp(stack, "all", env);
    const accepted = rounds.reduce((sum, round) => sum + round.accepted, 0);
    const applied = await untilApplied(pool, accepted);
    await app.stop();
    app = undefined;
    const exitMs = rounds.map((round) => round.exitMs);
    return {
      rounds,
      exitMs: summarize(exitMs, 0),
      withinTenSeconds: exitMs.every((ms) => ms < 10_000),
      cleanExits: rounds.every((round) => round.exitCode === 0),
      accepted,
      appliedAfterRestart: applied,
    };
  } finally {
    await app?.stop().catch(() => {});
    await pool.end().catch(() => {});
    await stack.stop();
  }
}

async function burstThenTerminate(app: AppProcess, key: string, numbers: string[]) {
  const queue = [...numbers];
  let accepted = 0;
  let refused = 0;
  const clients = Array.from({ length: CLIENTS }, async () => {
    for (let number = queue.shift(); number; number = queue.shift()) {
      const response = await httpRequest(
        `http://127.0.0.1:${app.port}/v1/numbers/${encodeURIComponent(number)}/transitions`,
        "POST",
        { body: { action: "lock", remark: "shutdown bench" }, headers: { authorization: `Bearer ${key}` } },
      ).catch(() => null); // the listener is closed
      if (response?.status === 202) accepted++;
      else refused++;
    }
  });
  while (accepted < SIGNAL_AFTER_ACCEPTED && queue.length > 0) await sleep(5);
  const { exitCode, ms } = await app.terminate();
  await Promise.all(clients);
  return { exitMs: ms, exitCode, accepted, refused };
}

/** Waits until `expected` bench transitions are applied (at most a minute); returns how many are. */
async function untilApplied(pool: pg.Pool, expected: number): Promise<number> {
  const applied = async () =>
    Number(
      (
        await pool.query(
          "SELECT count(*) AS n FROM transitions WHERE status = 'applied' AND request->>'remark' = 'shutdown bench'",
        )
      ).rows[0].n,
    );
  const deadline = Date.now() + 60_000;
  let count = await applied();
  while (count < expected && Date.now() < deadline) {
    await sleep(250);
    count = await applied();
  }
  return count;
}
