import { mkdir, mkdtemp, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Job, type Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importsFolder } from "../../src/services/import-job.js";
import { ADMIN_KEY, createTestContext, type TestContext } from "../support/context.js";

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext({ dataDir: await mkdtemp(join(tmpdir(), "numbers-jobs-")) });
  await t.startWorker();
});
afterAll(async () => t?.close());

const dashboard = (method: "POST" | "PATCH" | "PUT" | "GET", url: string, payload?: object) =>
  t.app.inject({
    method,
    url: `/admin/queues/api/queues${url}`,
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
    ...(payload ? { payload } : {}),
  });

/** Waits for the job to end and returns it as stored. */
async function ended(queue: Queue, id: string) {
  await expect
    .poll(
      async () => {
        const job = await Job.fromId(queue, id);
        return job ? await job.getState() : "gone";
      },
      { timeout: 15_000, interval: 50 },
    )
    .toMatch(/^(completed|failed)$/);
  // Read again: the job polled above may have been read just before it ended.
  return (await Job.fromId(queue, id))!;
}

describe("the queue dashboard", () => {
  it("can neither add a job nor change a job's data", async () => {
    const add = await dashboard("POST", "/imports/add", {
      name: "import",
      data: { file: "/proc/self/environ", actor: "import:x", rejectsFile: "/tmp/x" },
    });
    expect(add.statusCode).toBe(403);
    expect(add.json().error.message).toMatch(/read-only/);

    const job = await t.deps.queues.mail.add(
      "send-notice",
      { batchId: "00000000-0000-0000-0000-000000000000" },
      {
        delay: 60_000,
      },
    );
    const edit = await dashboard("PATCH", `/mail/${job.id}/update-data`, { jobData: { batchId: "x" } });
    expect(edit.statusCode).toBe(403);
    expect((await Job.fromId(t.deps.queues.mail, job.id!))?.data).toEqual({
      batchId: "00000000-0000-0000-0000-000000000000",
    });

    const list = await dashboard("GET", "");
    expect(list.statusCode).toBe(200);
    expect(list.json().queues.every((queue: { readOnlyMode: boolean }) => queue.readOnlyMode)).toBe(true);
  });
});

describe("job data is untrusted input", () => {
  it("fails a job whose data does not parse at once, naming fields and never their values", async () => {
    for (const [queue, data] of [
      [t.deps.queues.transitions, { transitionId: "zq9secret" }],
      [t.deps.queues.mail, { batchId: 42, extra: "zq9secret" }],
      [t.deps.queues.webhooks, { eventId: "zq9secret" }],
      [
        t.deps.queues.imports,
        { file: "/proc/self/environ", actor: "import:x", rejectsFile: "/tmp/zq9secret" },
      ],
    ] as const) {
      const job = await queue.add("anything", data, { attempts: 5 });
      const done = await ended(queue, job.id!);
      expect(await done.getState(), queue.name).toBe("failed");
      expect(done.attemptsMade, queue.name).toBe(1);
      expect(done.failedReason, queue.name).toMatch(/^The job's data is not valid \(.+\); it was not run\.$/);
      expect(done.failedReason).not.toContain("zq9secret");
    }
  });

  it("reads an import only from a regular file inside the imports folder", async () => {
    const folder = importsFolder(t.deps.config);
    await mkdir(folder, { recursive: true });
    await symlink("/proc/self/environ", join(folder, "environ.csv"));
    const job = await t.deps.queues.imports.add("import", {
      file: "environ.csv",
      actor: "import:environ.csv",
      rejectsFile: "environ.rejects.csv",
    });
    const done = await ended(t.deps.queues.imports, job.id!);
    expect(done.returnvalue).toEqual({ status: "unreadable", reason: expect.any(String) });
    expect(JSON.stringify(done.returnvalue)).not.toMatch(/PATH=|HOME=/);
  });
});
