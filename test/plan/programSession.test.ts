// One program process serves the runs of a plan, one after another (both phases of every stack),
// each run as if in a fresh process: its own stack, phase and config, the program's modules
// evaluated afresh, the environment and working directory as the process started. A process whose
// run failed, or whose program may load ES modules of its own, is replaced; a program cannot
// complete a later run on its behalf.
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ProgramSession } from "../../plan/engine/programProcess";
import { runProgram, type PlanPhase, type ProgramRun } from "../../plan/programRun";
import { readPulumiProject, readStackConfig } from "../../plan/pulumiProject";
import { foreignProject, FOREIGN_PROJECT } from "./foreignProjects";
import { removedAfterAll } from "./helpers";

const RUN_TIMEOUT_SECONDS = 60;
const TEST_TIMEOUT_MS = 120_000;

/** A resource group whose name and tags say what the run saw. */
const REPORTING_PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { ResourceGroup } from "@pulumi/azure-native/resources";
import { evaluations } from "./counter";
const config = new pulumi.Config();
if (config.getBoolean("fail")) throw new Error("this stack's program fails");
const leaked = process.env.AML_TEST_SET_BY_A_RUN ?? "unset";
process.env.AML_TEST_SET_BY_A_RUN = "set";
const cwd = process.cwd();
process.chdir("/");
export const groupName = new ResourceGroup("rg", {
  resourceGroupName: \`rg-\${pulumi.getStack()}-\${config.require("size")}\`,
  location: "westeurope",
  tags: { phase: pulumi.runtime.isDryRun() ? "preview" : "deploy", evaluations: String(evaluations()), leaked, cwd },
}).name;
`;
const COUNTER_MODULE = `let count = 0;\nexport function evaluations(): number {\n  return ++count;\n}\n`;

function project(program: string, stacks: Record<string, string>): string {
  const dir = foreignProject(program);
  writeFileSync(path.join(dir, "counter.ts"), COUNTER_MODULE);
  for (const [stack, config] of Object.entries(stacks)) writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), `config:\n${config}`);
  return dir;
}

const STACKS = {
  small: `  ${FOREIGN_PROJECT}:size: small\n`,
  large: `  ${FOREIGN_PROJECT}:size: large\n`,
  failing: `  ${FOREIGN_PROJECT}:size: any\n  ${FOREIGN_PROJECT}:fail: "true"\n`,
};

interface Runs {
  runs: Array<ProgramRun | Error>;
  spawned: number[];
}

/** Runs `runs` (stack and phase) one after another in one session. */
async function runInOneSession(dir: string, runs: Array<[string, PlanPhase]>, timeoutSeconds = RUN_TIMEOUT_SECONDS): Promise<Runs> {
  const session = new ProgramSession();
  const spawned: number[] = [];
  const planProject = readPulumiProject(dir);
  try {
    const results: Array<ProgramRun | Error> = [];
    for (const [stack, phase] of runs) {
      results.push(
        await runProgram(planProject, readStackConfig(planProject, stack), {
          phase,
          timeoutSeconds,
          session,
          onSpawn: (pid) => spawned.push(pid),
        }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error)))),
      );
    }
    return { runs: results, spawned };
  } finally {
    session.close();
  }
}

function groupOf(run: ProgramRun | Error | undefined): { name: unknown; tags: unknown } {
  if (!run || run instanceof Error) throw run ?? new Error("no run");
  const group = run.resources.find((r) => r.type === "azure-native:resources:ResourceGroup");
  return { name: group?.inputs.resourceGroupName, tags: group?.inputs.tags };
}

describe("a program session", () => {
  const temp = removedAfterAll();

  it(
    "serves both phases of several stacks in one process, each run with its own stack, phase and config, as in a fresh process",
    async () => {
      const dir = temp(project(REPORTING_PROGRAM, STACKS));
      const { runs, spawned } = await runInOneSession(dir, [
        ["small", "preview"],
        ["small", "deploy"],
        ["large", "preview"],
        ["large", "deploy"],
      ]);
      expect(spawned).toHaveLength(1);
      const fresh = { evaluations: "1", leaked: "unset", cwd: dir };
      expect(runs.map(groupOf)).toEqual([
        { name: "rg-small-small", tags: { phase: "preview", ...fresh } },
        { name: "rg-small-small", tags: { phase: "deploy", ...fresh } },
        { name: "rg-large-large", tags: { phase: "preview", ...fresh } },
        { name: "rg-large-large", tags: { phase: "deploy", ...fresh } },
      ]);
      expect((runs[3] as ProgramRun).resources[0]!.urn).toBe(`urn:pulumi:large::${FOREIGN_PROJECT}::pulumi:pulumi:Stack::${FOREIGN_PROJECT}-large`);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "replaces the process after a run that failed",
    async () => {
      const dir = temp(project(REPORTING_PROGRAM, STACKS));
      const { runs, spawned } = await runInOneSession(dir, [
        ["failing", "preview"],
        ["small", "preview"],
        ["small", "deploy"],
      ]);
      expect(runs[0]).toBeInstanceOf(Error);
      expect((runs[0] as Error).message).toContain("this stack's program fails");
      expect(runs.slice(1).map(groupOf).map((group) => group.name)).toEqual(["rg-small-small", "rg-small-small"]);
      expect(spawned).toHaveLength(2);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "gives each run a process of its own when the program may load ES modules of its own (import())",
    async () => {
      const dir = temp(project(`${REPORTING_PROGRAM}\nexport const later = () => import("./counter");\n`, STACKS));
      const { runs, spawned } = await runInOneSession(dir, [
        ["small", "preview"],
        ["small", "deploy"],
      ]);
      expect(runs.map(groupOf).map((group) => group.name)).toEqual(["rg-small-small", "rg-small-small"]);
      expect(spawned).toHaveLength(2);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "refuses a completion of a later run that the program sends itself, with the run id it overheard",
    async () => {
      const forger = `
process.on("message", (request: any) => {
  process.send?.({ runId: request?.settings?.runId, kind: "done", proof: "0".repeat(64), canRunAgain: true });
});
${REPORTING_PROGRAM}`;
      const dir = temp(project(forger, STACKS));
      const { runs, spawned } = await runInOneSession(dir, [
        ["small", "preview"],
        ["small", "deploy"],
      ]);
      expect(groupOf(runs[0]).name).toBe("rg-small-small");
      expect(runs[1]).toBeInstanceOf(Error);
      expect((runs[1] as Error).message).toMatch(/\(deploy phase\):\n.*the program sent a message on the plan's control channel/);
      expect(spawned).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "ignores run requests the program emits itself: the plan's next run still runs",
    async () => {
      const poser = `
let faked = 0;
const settings = () => ({
  runId: \`faked-\${++faked}\`,
  monitor: process.env.PULUMI_NODEJS_MONITOR,
  engine: process.env.PULUMI_NODEJS_ENGINE,
  project: "${FOREIGN_PROJECT}",
  stack: "small",
  dryRun: false,
  projectDir: process.cwd(),
  entryPoint: "./index.ts",
  config: {},
  secretKeys: [],
});
setInterval(() => process.emit("message" as never, { settings: settings(), proof: "0".repeat(64) } as never), 1).unref();
${REPORTING_PROGRAM}`;
      const dir = temp(project(poser, STACKS));
      const { runs, spawned } = await runInOneSession(
        dir,
        [
          ["small", "preview"],
          ["small", "deploy"],
          ["large", "preview"],
        ],
        20,
      );
      expect(runs.map(groupOf).map((group) => group.name)).toEqual(["rg-small-small", "rg-small-small", "rg-large-large"]);
      expect(spawned).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );
});
