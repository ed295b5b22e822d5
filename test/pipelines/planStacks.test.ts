// Planning every stack of a checkout: discovery from stack files, base comparison, one report,
// exit codes, and the job summary.
import { readFileSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { COMBINED_REPORT, planStacks, publishSummary, stacksOf, type PlanStacksResult } from "../../pipelines/planStacks";
import { discoverStacks } from "../../pipelines/stackDiscovery";
import { ROOT, makeTempDir, removedAfterAll } from "../plan/helpers";
import { runCommand, type CommandRun } from "../harness/commandRun";

const temp = removedAfterAll();

describe.concurrent("stack discovery", () => {
  it("finds this repository's stacks from stacks/Pulumi.<stack>.yaml, and the bootstrap's", () => {
    expect(discoverStacks(ROOT)).toEqual(["dev", "prod", "staging"]);
    expect(stacksOf(ROOT).map((s) => s.label)).toEqual(["dev", "prod", "staging", "bootstrap/subscription"]);
    expect(stacksOf(ROOT).map((s) => s.fileName)).toEqual(["dev", "prod", "staging", "bootstrap.subscription"]);
  });
});

/** A checkout whose tool and policy pack are this repository's, with a good and a broken stack. */
function checkout(): string {
  const dev = parse(readFileSync(path.join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
  const dir = temp(
    makeTempDir(
      {
        "Pulumi.yaml": stringify({ name: "aml-webservices", runtime: "nodejs", main: path.join(ROOT, "index.ts"), stackConfigDir: "stacks" }),
        "stacks/Pulumi.good.yaml": stringify(dev),
        "stacks/Pulumi.broken.yaml": stringify({ config: { ...dev.config, "aml-webservices:services": [{ name: "x", compute: "aks", model: "m:1" }] } }),
        "stacks/README.md": "not a stack file\n",
      },
      "aml-checkout-",
    ),
  );
  symlinkSync(path.join(ROOT, "bin"), path.join(dir, "bin"), "dir");
  return dir;
}

describe.concurrent("planStacks on a checkout with a good and a broken stack", () => {
  let dir: string;
  let base: PlanStacksResult;
  let head: PlanStacksResult;
  beforeAll(async () => {
    dir = checkout();
    base = await planStacks({ projectDir: dir, outDir: path.join(dir, "out", "base"), format: "json" });
    head = await planStacks({ projectDir: dir, outDir: path.join(dir, "out", "head"), format: "markdown", compareDir: path.join(dir, "out", "base") });
  });

  it("plans each stack file, and exits 2 when a plan fails", () => {
    expect(base.stacks.map((s) => [s.stack, s.code])).toEqual([
      ["broken", 2],
      ["good", 0],
    ]);
    expect(head.exitCode).toBe(2);
    expect(head.stacks[0]!.summary).toMatch(/^error: the program of project .aml-webservices.*\n.*Invalid stack configuration/s);
  });

  it("compares each stack with its base plan when there is one, and says so when not", () => {
    expect(head.stacks.map((s) => [s.stack, s.compared])).toEqual([
      ["broken", false],
      ["good", true],
    ]);
    const report = readFileSync(path.join(dir, "out", "head", COMBINED_REPORT), "utf8");
    expect(report).toBe(head.combinedReport);
    const lines = report.split("\n");
    expect(lines.slice(0, 5)).toEqual([
      "## Offline plan of 2 stacks",
      "",
      "| Stack | Result | Summary |",
      "| --- | --- | --- |",
      `| \`broken\` | ⚠️ plan failed | ${head.stacks[0]!.summary.split("\n")[0]!.replace(/\|/g, "\\|")} |`,
    ]);
    expect(lines[5]).toMatch(/^\| `good` \| ✅ no mandatory violations \| aml-webservices\/good: \d+ resources, 0 mandatory, \d+ advisory \(no mandatory policy violations\) \|$/);
    expect(report).toContain("### `broken`: the plan failed\n\n```text\nerror: the program of project");
    expect(report).toContain("### `aml-webservices` / `good`: what this pull request changes");
    expect(report).toContain("No change against the base branch: same resources, inputs and policy results.");
  });

  it("publishes the report as the GitHub job summary, or as an Azure Pipelines build summary", () => {
    const reportFile = path.join(dir, "out", "head", COMBINED_REPORT);
    const summary = path.join(dir, "step-summary.md");
    writeFileSync(summary, "earlier step\n");
    publishSummary(reportFile, { GITHUB_STEP_SUMMARY: summary });
    expect(readFileSync(summary, "utf8")).toBe(`earlier step\n${head.combinedReport}`);
    const printed: string[] = [];
    publishSummary(reportFile, { TF_BUILD: "True" }, (line) => printed.push(line));
    expect(printed).toEqual([`##vso[task.uploadsummary]${reportFile}`]);
  });
});

describe.concurrent("plan:stacks --base-ref", () => {
  it("checks out the base commit as a worktree, plans it with its own code, and leads each stack with the change", async () => {
    const dev = readFileSync(path.join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8");
    const repo = temp(
      makeTempDir(
        {
          "Pulumi.yaml": stringify({ name: "aml-webservices", runtime: "nodejs", main: path.join(ROOT, "index.ts"), stackConfigDir: "stacks" }),
          "stacks/Pulumi.dev.yaml": dev,
          "package-lock.json": readFileSync(path.join(ROOT, "package-lock.json"), "utf8"),
          ".gitignore": "node_modules\n/out/\n/.plan-base/\n",
        },
        "aml-base-ref-",
      ),
    );
    symlinkSync(path.join(ROOT, "bin"), path.join(repo, "bin"), "dir");
    const git = (...args: string[]): Promise<CommandRun> => runCommand("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd: repo });
    await git("init", "--quiet", "--initial-branch=main");
    await git("add", "-A");
    await git("commit", "--quiet", "-m", "base");
    writeFileSync(path.join(repo, "stacks", "Pulumi.dev.yaml"), dev.replace("instanceCount: 1", "instanceCount: 2"));
    await git("commit", "--quiet", "-am", "head: two instances");

    const result = await runCommand(process.execPath, [path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), path.join(ROOT, "pipelines", "planStacks.ts"), "--project", repo, "--out-dir", path.join(repo, "out"), "--base-ref", "HEAD~1"], { cwd: ROOT });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(readFileSync(path.join(repo, ".plan-base", "stacks", "Pulumi.dev.yaml"), "utf8")).toBe(dev);
    const report = readFileSync(path.join(repo, "out", COMBINED_REPORT), "utf8");
    expect(report).toContain("0 to add, 1 to change, 0 to remove, 27 unchanged");
    expect(report).toContain("| `~` | `azure-native:machinelearningservices:OnlineDeployment` | credit-score-deployment | `sku.capacity`: 1 → 2 |");
  });
});
