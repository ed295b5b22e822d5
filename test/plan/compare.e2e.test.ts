// `plan --compare`: two real offline plans of the dev stack, the base as committed and a head with
// one more service, one changed instance count and a stricter policy config, through the real CLI.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { comparePlans, diffValues, parseComparablePlan, type PlanComparison } from "../../plan/compare/planComparison";
import type { JsonReportWithComparison } from "../../plan/compare/comparisonReport";
import { REDACTED_SECRET } from "../../plan/wireValues";
import { CLEAN_STACK, FOREIGN_PROJECT, FOREIGN_STACK, foreignProject, program } from "./foreignProjects";
import { ROOT, makeTempDir, removedAfterAll, runCli, type CliResult } from "./helpers";

const temp = removedAfterAll();

/** A project whose program is this repository's index.ts, with its own stack files. */
function projectWithDevStack(edit: (stack: DevStack) => void): string {
  const stack = parse(readFileSync(path.join(ROOT, "stacks", "Pulumi.dev.yaml"), "utf8")) as DevStack;
  edit(stack);
  return temp(
    makeTempDir(
      {
        "Pulumi.yaml": stringify({ name: "aml-webservices", runtime: { name: "nodejs", options: { typescript: true } }, main: path.join(ROOT, "index.ts"), stackConfigDir: "stacks" }),
        "stacks/Pulumi.dev.yaml": stringify(stack),
      },
      "aml-compare-",
    ),
  );
}

interface DevStack {
  config: { "aml-webservices:services": Array<Record<string, unknown>> };
}

const devPackConfig = JSON.parse(readFileSync(path.join(ROOT, "policies", "config", "dev.json"), "utf8")) as Record<string, unknown>;

let baseJson: string;
let headJson: string;
let text: CliResult;
let markdown: CliResult;
let json: CliResult;
let base: ReturnType<typeof parseComparablePlan>;
let head: ReturnType<typeof parseComparablePlan>;

beforeAll(async () => {
  const baseProject = projectWithDevStack(() => undefined);
  const headProject = projectWithDevStack((stack) => {
    const services = stack.config["aml-webservices:services"];
    services[0]!.instanceCount = 2;
    services.push({ name: "fraud-check", compute: "managed", auth: "aadToken", model: "fraud-detector:1" });
  });
  const out = temp(makeTempDir({}, "aml-compare-out-"));
  // the head's policy config makes the public workspace mandatory (an existing result changes level)
  // and no longer allows Entra ID tokens (the new service's endpoint is a new mandatory violation)
  const headPackConfig = path.join(out, "dev-strict.json");
  writeFileSync(
    headPackConfig,
    JSON.stringify({
      ...devPackConfig,
      "ml-workspace-public-network-disabled": "mandatory",
      "ml-endpoint-allowed-auth-modes": { enforcementLevel: "mandatory", allowedAuthModes: ["Key", "AMLToken"] },
    }),
  );
  baseJson = path.join(out, "base.json");
  headJson = path.join(out, "head.json");
  const headArgs = ["plan", "--cwd", headProject, "--stack", "dev", "--policy-pack-config", headPackConfig];
  const [baseRun, headRun] = await Promise.all([
    runCli(["plan", "--cwd", baseProject, "--stack", "dev", "--format", "json", "--out", baseJson]),
    runCli([...headArgs, "--format", "json", "--out", headJson]),
  ]);
  expect(baseRun.stderr).toBe("");
  expect(baseRun.code).toBe(0);
  expect(headRun.code).toBe(1);
  [text, markdown] = await Promise.all([
    runCli([...headArgs, "--compare", baseJson]),
    runCli([...headArgs, "--compare", baseJson, "--format", "markdown"]),
  ]);
  json = await runCli([...headArgs, "--compare", baseJson, "--format", "json"]);
  base = parseComparablePlan(readFileSync(baseJson, "utf8"), baseJson);
  head = parseComparablePlan(readFileSync(headJson, "utf8"), headJson);
});

describe("plan --compare on two real plans of the dev stack", () => {
  it("exits as the plan does (1: the head has a mandatory violation), in every format", () => {
    for (const result of [text, markdown, json]) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(1);
    }
  });

  it("json: the added service's resources, the changed deployment and nothing removed", () => {
    const { comparison } = JSON.parse(json.stdout) as JsonReportWithComparison;
    const added = comparison.resources.added.map((r) => `${r.type} ${r.name}`);
    expect(added).toEqual(
      expect.arrayContaining([
        "aml-webservices:index:ModelWebService fraud-check",
        "azure-native:machinelearningservices:OnlineEndpoint fraud-check-endpoint",
        "azure-native:machinelearningservices:OnlineDeployment fraud-check-deployment",
        "azure-native:resources:Deployment fraud-check-traffic",
      ]),
    );
    // every added resource is in the head plan and not in the base plan
    const baseUrns = new Set(base.resources.map((r) => r.urn));
    for (const r of comparison.resources.added) expect(baseUrns.has(r.urn)).toBe(false);
    expect(comparison.resources.added).toHaveLength(head.resources.length - base.resources.length);
    expect(comparison.resources.removed).toEqual([]);

    expect(comparison.resources.changed).toEqual([
      {
        urn: expect.stringMatching(/::credit-score-deployment$/),
        type: "azure-native:machinelearningservices:OnlineDeployment",
        name: "credit-score-deployment",
        changes: [{ path: "sku.capacity", before: 1, after: 2 }],
      },
    ]);
    expect(comparison.resources.unchanged + comparison.resources.changed.length).toBe(base.resources.length);
  });

  it("json: policy results new in the head, and the result whose level the head's config raised", () => {
    const { comparison } = JSON.parse(json.stdout) as JsonReportWithComparison;
    // the endpoint, reported in both phases, and the traffic template that writes it (its names are
    // known only when deploying, so its message differs by phase)
    expect(comparison.policyResults.new).toContainEqual({
      policy: "ml-endpoint-allowed-auth-modes",
      enforcementLevel: "mandatory",
      message: expect.stringContaining('OnlineEndpoint uses authMode "AADToken", which is not allowed here (allowed: Key, AMLToken)'),
      urn: expect.stringMatching(/::fraud-check-endpoint$/),
      phases: ["preview", "deploy"],
    });
    for (const v of comparison.policyResults.new) {
      expect(v).toMatchObject({ policy: "ml-endpoint-allowed-auth-modes", enforcementLevel: "mandatory", urn: expect.stringMatching(/::fraud-check-(endpoint|traffic)$/) });
    }
    // none of the new results was in the base plan
    const baseKeys = new Set(base.violations.map((v) => `${v.policy} ${v.urn} ${v.message}`));
    for (const v of comparison.policyResults.new) expect(baseKeys.has(`${v.policy} ${v.urn} ${v.message}`)).toBe(false);
    expect(comparison.policyResults.levelChanged).toEqual([
      expect.objectContaining({ policy: "ml-workspace-public-network-disabled", baseEnforcementLevel: "advisory", enforcementLevel: "mandatory" }),
    ]);
    expect(comparison.policyResults.resolved).toEqual([]);
  });

  it("json: the plan itself is unchanged beside the comparison", () => {
    const report = JSON.parse(json.stdout) as JsonReportWithComparison;
    const plain = JSON.parse(readFileSync(headJson, "utf8")) as Record<string, unknown>;
    const { comparison, ...rest } = report;
    expect(comparison.stack).toBe("dev");
    expect(rest).toEqual(plain);
  });

  it("markdown: leads with the change, the full report follows folded", () => {
    const out = markdown.stdout;
    expect(out.split("\n")[0]).toBe("### `aml-webservices` / `dev`: what this pull request changes");
    const { comparison, summary } = JSON.parse(json.stdout) as JsonReportWithComparison & { summary: { mandatory: number } };
    const newMandatory = comparison.policyResults.new.filter((v) => v.enforcementLevel === "mandatory").length;
    expect(newMandatory).toBeGreaterThan(0);
    expect(out).toMatch(new RegExp(`^\\*\\*:x: ${summary.mandatory} mandatory policy violations\\*\\* \\(${newMandatory} new in this pull request\\)$`, "m"));
    expect(out).toContain("#### New policy results");
    expect(out).toContain(
      "| `ml-workspace-public-network-disabled` (preview and deploy) | azure-native:machinelearningservices:Workspace platform-workspace | advisory | **mandatory** |",
    );
    expect(out).toContain("| `+` | `azure-native:machinelearningservices:OnlineEndpoint` | fraud-check-endpoint | |");
    expect(out).toContain("| `~` | `azure-native:machinelearningservices:OnlineDeployment` | credit-score-deployment | `sku.capacity`: 1 → 2 |");
    expect(out).toMatch(
      /^\| mandatory \| `ml-endpoint-allowed-auth-modes` \(preview and deploy\) \| azure-native:machinelearningservices:OnlineEndpoint fraud-check-endpoint \| .*AADToken/m,
    );
    const fold = out.indexOf("<summary>Full offline plan</summary>");
    expect(fold).toBeGreaterThan(out.indexOf("#### Resources"));
    expect(out.slice(fold)).toContain("### Offline plan: `aml-webservices` / `dev`");
    expect(out.trimEnd().endsWith("</details>")).toBe(true);
  });

  it("text: the change first, then the full report", () => {
    const out = text.stdout;
    expect(out.split("\n")[0]).toBe("Changes against the base plan of aml-webservices/dev:");
    expect(out).toContain("  + azure-native:machinelearningservices:OnlineEndpoint fraud-check-endpoint");
    expect(out).toContain("  ~ azure-native:machinelearningservices:OnlineDeployment credit-score-deployment\n      sku.capacity: 1 -> 2");
    expect(out).toContain(
      "    + [mandatory] ml-endpoint-allowed-auth-modes (preview and deploy)  (azure-native:machinelearningservices:OnlineEndpoint fraud-check-endpoint)\n",
    );
    expect(out).toContain("    ~ [advisory -> mandatory] ml-workspace-public-network-disabled (preview and deploy)  (azure-native:machinelearningservices:Workspace platform-workspace)");
    expect(out.indexOf("Offline plan of project aml-webservices, stack dev")).toBeGreaterThan(out.indexOf("New policy results"));
  });

  it("the other way round, the service's resources and results are removed and resolved", () => {
    const reverse: PlanComparison = comparePlans(head, base);
    expect(reverse.resources.removed.map((r) => r.urn).sort()).toEqual(
      head.resources.filter((r) => !base.resources.some((b) => b.urn === r.urn)).map((r) => r.urn).sort(),
    );
    expect(reverse.resources.added).toEqual([]);
    expect(reverse.policyResults.resolved.some((v) => v.urn.endsWith("::fraud-check-endpoint"))).toBe(true);
  });
});

describe("comparison rules", () => {
  it("keys policy results by policy, URN and message, whatever phases report them", () => {
    const plan = (violations: Array<Record<string, string>>) =>
      parseComparablePlan(JSON.stringify({ stack: "dev", project: "p", resources: [], violations }), "inline");
    const result = { policy: "a", enforcementLevel: "mandatory", message: "m", urn: "urn:x" };
    expect(comparePlans(plan([result]), plan([result])).policyResults.new).toEqual([]);
    // the same finding in both phases is one finding, with its phases
    const phased = comparePlans(plan([{ ...result, policy: "b", phase: "preview" }]), plan([{ ...result, phase: "preview" }, { ...result, phase: "deploy" }]));
    expect(phased.policyResults.new).toEqual([{ ...result, phases: ["preview", "deploy"] }]);
    // a base plan from before phases existed: the phase is ignored, nothing shows as new or resolved
    const mixed = comparePlans(plan([result]), plan([{ ...result, phase: "preview" }]));
    expect(mixed.policyResults).toEqual({ new: [], resolved: [], levelChanged: [] });
    const raised = comparePlans(plan([{ ...result, enforcementLevel: "advisory" }]), plan([{ ...result, phase: "preview" }]));
    expect(raised.policyResults.levelChanged).toEqual([{ ...result, phases: ["preview"], baseEnforcementLevel: "advisory" }]);
  });

  it("never shows a secret: a value that turns secret or stops being one shows [secret] on both sides", () => {
    expect(diffValues({ key: "plain-value" }, { key: REDACTED_SECRET }, "")).toEqual([{ path: "key", before: REDACTED_SECRET, after: REDACTED_SECRET }]);
    expect(diffValues({ key: REDACTED_SECRET }, { key: "now-plain" }, "")).toEqual([{ path: "key", before: REDACTED_SECRET, after: REDACTED_SECRET }]);
    expect(diffValues({ key: REDACTED_SECRET }, { key: REDACTED_SECRET }, "")).toEqual([]);
    expect(diffValues({ list: [1, 2] }, { list: [1, 3, 4] }, "")).toEqual([
      { path: "list[1]", before: 2, after: 3 },
      { path: "list[2]", after: 4 },
    ]);
  });

  it("refuses a base plan of another stack before the program runs", async () => {
    const marker = path.join(temp(makeTempDir({}, "aml-compare-marker-")), "program-ran");
    const project = temp(foreignProject(program(`require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");`, CLEAN_STACK)));
    const otherStack = path.join(path.dirname(baseJson), "foreign-other.json");
    writeFileSync(otherStack, JSON.stringify({ ...JSON.parse(readFileSync(baseJson, "utf8")), project: FOREIGN_PROJECT, stack: "other" }));
    const refused = await runCli(["plan", "--cwd", project, "--stack", FOREIGN_STACK, "--compare", otherStack]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(`error: the base plan is of ${FOREIGN_PROJECT}/other, this plan is of ${FOREIGN_PROJECT}/${FOREIGN_STACK}: compare plans of the same stack\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses a base plan of another stack, a file that is not a plan, and a missing file (exit 2)", async () => {
    const otherStack = path.join(path.dirname(baseJson), "staging.json");
    writeFileSync(otherStack, JSON.stringify({ ...JSON.parse(readFileSync(baseJson, "utf8")), stack: "staging" }));
    const notAPlan = path.join(path.dirname(baseJson), "not-a-plan.json");
    writeFileSync(notAPlan, JSON.stringify({ stack: "dev", project: "aml-webservices", resources: [{ urn: 1 }] }));
    const [mismatch, invalid, missing] = await Promise.all([
      runCli(["plan", "--compare", otherStack]),
      runCli(["plan", "--compare", notAPlan]),
      runCli(["plan", "--compare", path.join(path.dirname(baseJson), "absent.json")]),
    ]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toBe(
      "error: the base plan is of aml-webservices/staging, this plan is of aml-webservices/dev: compare plans of the same stack\n",
    );
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^error: --compare: .*not-a-plan\.json is not a JSON plan: resources\.0\.urn: .*--compare takes the output of `plan --format json`\n/);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: --compare: cannot read .*absent\.json: ENOENT\n/);
  });
});
