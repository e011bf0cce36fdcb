import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["./test/global-setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Files run in parallel, each in its own database and BullMQ prefix.
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
  },
});
