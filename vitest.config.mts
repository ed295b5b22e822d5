import { defineConfig } from "vitest/config";
import { SlowestFirst } from "./test/harness/slowestFirst.mjs";

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
    // A worker runs its files one after another in one process: @pulumi/pulumi, the azure-native
    // modules and the components load once per worker, not once per file (about a third of the
    // in-process tests' time). Every mock run sets its own mocks, config and monitor.
    isolate: false,
    // Mock runs allocate much that dies young: with 64 MiB semi-spaces less of it survives into the
    // old generation, and the suite used about a tenth less CPU (paired full runs).
    execArgv: ["--max-semi-space-size=64"],
    sequence: { sequencer: SlowestFirst },
    // The plan's plain CommonJS modules load as in the plan, natively: one instance whether a test
    // imports or requires them (the early-started processes live in their module state).
    server: { deps: { external: [/\/plan\/.*\.cjs$/] } },
    reporters: reportFile ? ["default", ["json", { outputFile: reportFile }]] : ["default"],
  },
});
