import { defineConfig } from "vitest/config";

// CI also writes a JSON report, from which .ci/run prints its totals line.
const reportFile = process.env.VITEST_JSON_REPORT;

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: "forks",
    // Most time goes to child processes (plans, packs): two files at once keep both cores busy
    // where the default (cores - 1) would run the files one after another on a 2-core machine.
    maxWorkers: 2,
    reporters: reportFile ? ["default", ["json", { outputFile: reportFile }]] : ["default"],
  },
});
