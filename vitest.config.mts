import { defineConfig } from "vitest/config";

// CI also writes a JSON report, from which .ci/run prints its totals line.
const reportFile = process.env.VITEST_JSON_REPORT;

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: "forks",
    reporters: reportFile ? ["default", ["json", { outputFile: reportFile }]] : ["default"],
  },
});
