// runOfflinePlans' own flow, on the legacy fixture with the minimal pack: one pack serves the stacks
// in turn and ends after the last of them; a pack that cannot start fails every stack, and nothing
// of it is left to reject unheard (the plan's command ends with exit 2 on an unhandled rejection).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runOfflinePlans, type StackPlanOutcome } from "../../plan/offlinePlan";
import { isAlive, LEGACY_PROJECT, makeTempDir, MINIMAL_PACK, removedAfterAll } from "./helpers";

const temp = removedAfterAll();
const PLAN_TIMEOUT_MS = 120_000;

let unhandled: unknown[];
const recordUnhandled = (reason: unknown): void => void unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", recordUnhandled);
});
afterEach(() => {
  process.off("unhandledRejection", recordUnhandled);
});

/** Node reports a rejection nobody handled once its microtasks have run: a later macrotask sees it. */
const afterRejectionsAreReported = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

const errorOf = (outcome: StackPlanOutcome | undefined): string =>
  outcome && "error" in outcome ? (outcome.error as Error).message : `no error (${outcome ? "planned" : "missing"})`;

describe("runOfflinePlans", () => {
  it.each([[["legacy"]], [["legacy", "invalid"]]])(
    "a pack that cannot start fails every stack of %j, and leaves no rejection unhandled",
    async (stacks) => {
      const notAPack = temp(makeTempDir({ "README.md": "no PulumiPolicy.yaml here\n" }));
      const outcomes = await runOfflinePlans({ projectDir: LEGACY_PROJECT, stacks, packDir: notAPack });
      await afterRejectionsAreReported();
      expect(outcomes.map(errorOf)).toEqual(stacks.map(() => expect.stringMatching(/^no PulumiPolicy\.yaml in /)));
      expect(unhandled).toEqual([]);
    },
    PLAN_TIMEOUT_MS,
  );

  it(
    "ends the pack after the last stack of the list, not after an earlier one of the same name",
    async () => {
      const pids: number[] = [];
      const outcomes = await runOfflinePlans({
        projectDir: LEGACY_PROJECT,
        stacks: ["legacy", "legacy"],
        packDir: MINIMAL_PACK,
        onAnalyzerSpawn: (pid) => pids.push(pid),
      });
      await afterRejectionsAreReported();
      expect(outcomes.map((outcome) => ("model" in outcome ? outcome.model.stack : errorOf(outcome)))).toEqual(["legacy", "legacy"]);
      expect(pids).toHaveLength(1);
      expect(isAlive(pids[0]!)).toBe(false);
      expect(unhandled).toEqual([]);
    },
    PLAN_TIMEOUT_MS,
  );
});
