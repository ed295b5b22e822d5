import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Seconds each slow file takes in a full run on a 2-core machine: the order in which files start
 * when vitest has no timings of its own yet (a fresh checkout, CI). Only an ordering hint; a file
 * missing here, or slower than listed, is still run.
 */
const EXPECTED_SECONDS: Readonly<Record<string, number>> = {
  "test/plan/bypass.e2e.test.ts": 15,
  "test/library/packedPackage.test.ts": 14,
  "test/plan/cli.e2e.test.ts": 11,
  "test/plan/compiledPack.test.ts": 11,
  "test/client/endpointCli.e2e.test.ts": 10,
  "test/plan/prepareOnInstall.test.ts": 8,
  "test/plan/serviceDeclarations.plan.test.ts": 7,
  "test/pipelines/planStacks.test.ts": 6,
  "test/plan/analyzer.test.ts": 6,
  "test/provider/pluginHost.e2e.test.ts": 6,
  "test/plan/compare.e2e.test.ts": 5,
  "test/components/modelWebService.test.ts": 4,
  "test/policies/driftGuard.test.ts": 4,
  "test/plan/lazyAliasUrns.test.ts": 3,
  "test/program/stacks.test.ts": 3,
  "test/components/endpointTrafficLifecycle.test.ts": 3,
  "test/plan/earlyStart.test.ts": 3,
  "test/plan/programSession.test.ts": 3,
  "test/plan/commandBundle.test.ts": 3,
  "test/components/aksInferenceCluster.test.ts": 2,
  "test/policies/packShortcuts.test.ts": 2,
  "test/plan/engineChannelServing.test.ts": 2,
};

/**
 * Files that reuse what another of them made in the same test process (the component provider's
 * schema, derived from the components' source in seconds): the first starts beside the longest
 * file, and the others follow it on the same worker while the longest file still runs.
 */
const SAME_WORKER: readonly string[] = ["test/provider/construct.test.ts", "test/provider/schema.test.ts", "test/provider/schemaCache.test.ts"];

/**
 * Longest files first: two workers take the next file as they finish one, so a long file started
 * last would leave the other worker idle until it ends. The listed files go first, longest first;
 * the others follow in vitest's own order; the files of SAME_WORKER around the longest one. The list, not vitest's timings of earlier runs, decides:
 * those also count the first file of a worker with the modules it loads, and a run of a single test
 * records a short time for a long file.
 */
export class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const name = (file: TestSpecification): string => relative(root, file.moduleId).split("\\").join("/");
    const expectedMs = (file: TestSpecification): number => (EXPECTED_SECONDS[name(file)] ?? 0) * 1000;
    const together = SAME_WORKER.flatMap((listedName) => files.filter((file) => name(file) === listedName));
    const rest = files.filter((file) => !together.includes(file));
    const listed = rest.filter((file) => expectedMs(file) > 0).sort((a, b) => expectedMs(b) - expectedMs(a));
    const ordered = [...listed, ...(await super.sort(rest.filter((file) => expectedMs(file) === 0)))];
    if (together.length === 0 || ordered.length === 0) return [...together, ...ordered];
    return [together[0]!, ordered[0]!, ...together.slice(1), ...ordered.slice(1)];
  }
}
