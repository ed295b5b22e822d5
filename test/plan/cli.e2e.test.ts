// End-to-end: the real CLI (`node bin/aml-webservices.js plan ...`) as a child process.
import { spawn } from "node:child_process";
import { cpSync, existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { JsonReport } from "../../plan/report/jsonReport";
import {
  BIN,
  LEGACY_PROJECT,
  LEGACY_SECRETS,
  MINIMAL_PACK,
  REAL_PACK,
  ROOT,
  makeTempDir,
  packThatHangs,
  packWithTypeError,
  processesRunningIn,
  runCli,
  type CliResult,
  removedAfterAll,
} from "./helpers";
import { settled } from "./foreignProjects";

const temp = removedAfterAll();

/** A private copy of the minimal pack, so no other test's pack process shares its directory. */
function privateMinimalPack(): string {
  const dir = temp(makeTempDir({}, "aml-plan-pack-"));
  for (const file of ["PulumiPolicy.yaml", "package.json", "tsconfig.json", "index.ts"]) {
    cpSync(path.join(MINIMAL_PACK, file), path.join(dir, file));
  }
  return dir;
}

const NO_STACK_TRACE = /^\s+at\s/m;
const legacy = ["plan", "--cwd", LEGACY_PROJECT, "--stack", "legacy"];

describe.concurrent("usage", () => {
  it("prints the usage with --help and exits 0", async () => {
    const result = await runCli(["plan", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: aml-webservices plan \[options\]/);
    for (const option of ["--stack", "--cwd", "--policy-pack", "--policy-pack-config", "--format", "--out"]) {
      expect(result.stdout).toContain(option);
    }
  });

  it("needs a command first", async () => {
    const [none, other] = await Promise.all([runCli([]), runCli(["apply"])]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: missing command\n\nUsage: aml-webservices <command>/);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/^error: unknown command 'apply': one of plan, endpoint/);
  });

  it("refuses unknown options, formats and time limits with exit 2", async () => {
    const [option, format, both, empty, timeout] = await Promise.all([
      runCli(["plan", "--stak", "dev"]),
      runCli(["plan", "--format", "yaml"]),
      runCli(["plan", "--all-stacks", "--stack", "dev"]),
      runCli(["plan", "--stack", "dev,,prod"]),
      runCli(["plan", "--timeout", "0"]),
    ]);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^error: .*--stak/);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/^error: --format must be one of text, markdown, json, got 'yaml'/);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/^error: --all-stacks and --stack cannot be used together/);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^error: --stack: empty stack name in 'dev,,prod'/);
    expect(timeout.code).toBe(2);
    expect(timeout.stderr).toMatch(/^error: --timeout must be a number of seconds above 0 and at most 86400, got '0'/);
  });
});

describe.concurrent("a project that is not ours, with the fixture pack (--cwd, default pack config from the pack dir)", () => {
  let text: CliResult;
  let markdownRun: CliResult;
  /** the markdown report, from the --out file */
  let markdown: CliResult;
  let allStacks: CliResult;
  let json: CliResult;
  let outDir: string;
  beforeAll(async () => {
    // markdown: through --out, run from another working directory with relative paths
    outDir = temp(makeTempDir({}));
    [text, markdownRun, allStacks] = await Promise.all([
      runCli([...legacy, "--policy-pack", MINIMAL_PACK]),
      runCli(
        ["plan", "--cwd", path.relative(outDir, LEGACY_PROJECT), "--stack", "legacy", "--policy-pack", path.relative(outDir, MINIMAL_PACK), "--format", "markdown", "--out", path.join("reports", "plan.md")],
        { cwd: outDir },
      ),
      // the fixture's stacks are `invalid` and `legacy`: one analyzer serves both
      runCli(["plan", "--cwd", LEGACY_PROJECT, "--all-stacks", "--policy-pack", MINIMAL_PACK, "--format", "json"]),
    ]);
    const reports = JSON.parse(allStacks.stdout) as JsonReport[];
    json = { code: 1, stderr: "", stdout: JSON.stringify(reports.find((r) => r.stack === "legacy")) };
    markdown = { ...markdownRun, stdout: readFileSync(path.join(outDir, "reports", "plan.md"), "utf8") };
  });

  it("--all-stacks plans every stack file; a stack whose program fails gets its error and exit code 2 wins", () => {
    const reports = JSON.parse(allStacks.stdout) as JsonReport[];
    expect(reports.map((r) => r.stack)).toEqual(["legacy"]);
    expect(allStacks.code).toBe(2);
    expect(allStacks.stderr).toMatch(/^error: stack invalid: the program of project 'legacy-ml' failed for stack 'invalid'/);
    expect(allStacks.stderr).toContain("legacy-ml:replicas");
    expect(allStacks.stderr).not.toMatch(NO_STACK_TRACE);
    expect(allStacks.stderr).toContain("2 stacks planned: invalid 2, legacy 1 (exit 2)");
  });

  it("exits 1 on mandatory violations, in every format", () => {
    for (const result of [text, markdown]) {
      expect(result.stderr).toBe("");
      expect(result.code).toBe(1);
    }
  });

  it("--out writes the report to the file and prints a one-line summary, relative paths resolved from the working directory", () => {
    expect(markdownRun.stdout.trim().split("\n")).toHaveLength(1);
    expect(markdownRun.stdout).toMatch(
      /^legacy-ml\/legacy: 8 resources, 2 mandatory, 2 advisory, 1 deferred in preview \(.*markdown report written to .*reports\/plan\.md\n$/,
    );
    expect(markdown.stdout).toMatch(/^### Offline plan: `legacy-ml` \/ `legacy`/);
  });

  it("json: reports the expected policies at the configured levels", () => {
    const report = JSON.parse(json.stdout) as JsonReport;
    expect(report.stack).toBe("legacy");
    expect(report.project).toBe("legacy-ml");
    const at = (level: string, phase = "preview"): string[] =>
      report.violations.filter((v) => v.enforcementLevel === level && v.phase === phase).map((v) => v.policy).sort();
    // fixture-max-resources is advisory with maximum 100 by default: config/legacy.json makes it mandatory with 3
    expect(at("mandatory")).toEqual(["fixture-legacy-dual-auth", "fixture-max-resources"]);
    // the mandatory rule that reads a value unknown in preview does not block: the engine reports it advisory
    // "can't run ... during preview", listed as such but counted as deferred to update, not advisory
    expect(at("advisory")).toEqual(["fixture-deployment-endpoint-name", "fixture-keys-with-token-auth", "fixture-quotes-key"]);
    expect(report.violations.find((v) => v.policy === "fixture-deployment-endpoint-name")!.message).toMatch(
      /^can't run policy 'fixture-deployment-endpoint-name' from policy pack 'minimal-pack@v0\.0\.1' during preview: \S/,
    );
    // disabled by config/legacy.json
    expect(report.violations.map((v) => v.policy)).not.toContain("fixture-always-disabled");
    // the deploy phase runs the check the preview deferred: the deployment's endpointName is known then
    expect(at("mandatory", "deploy")).toEqual(["fixture-legacy-dual-auth", "fixture-max-resources"]);
    expect(at("advisory", "deploy")).toEqual(["fixture-keys-with-token-auth", "fixture-quotes-key"]);
    expect(report.summary).toEqual({ resources: report.resources.length, mandatory: 2, advisory: 2, deferred: 1, undecided: 0 });
    const dual = report.violations.find((v) => v.policy === "fixture-legacy-dual-auth")!;
    // the engine's URN: children of the root stack carry no parent type
    expect(dual.urn).toBe("urn:pulumi:legacy::legacy-ml::azure-native:machinelearningservices/v20210401:AKSService::legacy-aks");
  });

  it("json: records every resource with type, name, URN, parent, dependencies, protect and redacted inputs", () => {
    const report = JSON.parse(json.stdout) as JsonReport;
    const byName = Object.fromEntries(report.resources.map((r) => [r.name, r]));
    expect(Object.keys(byName).sort()).toEqual(
      ["legacy-ml-legacy", "west-europe", "scoring", "legacy-rg", "legacy-workspace", "scoring-endpoint", "scoring-blue", "legacy-aks"].sort(),
    );
    const stackUrn = "urn:pulumi:legacy::legacy-ml::pulumi:pulumi:Stack::legacy-ml-legacy";
    expect(byName["legacy-ml-legacy"]).toMatchObject({ type: "pulumi:pulumi:Stack", urn: stackUrn, parent: null });
    expect(byName["scoring-endpoint"]!.parent).toBe(byName["scoring"]!.urn);
    expect(byName["scoring-blue"]!.dependencies).toContain(byName["scoring-endpoint"]!.urn);
    expect(byName["legacy-aks"]!.dependencies).toContain(byName["legacy-workspace"]!.urn);
    expect(byName["legacy-rg"]!.protect).toBe(true);
    expect(byName["legacy-aks"]!.inputs).toMatchObject({
      resourceGroupName: "(known after apply)",
      serviceName: "legacy-aks-svc",
      authEnabled: true,
      aadAuthEnabled: true,
      computeName: "[secret]",
      keys: { primaryKey: "[secret]" },
    });
    expect(byName["scoring-endpoint"]!.inputs.properties).toBe("[secret]");
    // the remediation is applied to what the plan shows
    expect(byName["legacy-rg"]!.inputs.tags).toMatchObject({ managedBy: "offline-plan", team: "scoring" });
  });

  it("text: tree, counts by type, mandatory results first, summary", () => {
    const out = text.stdout;
    expect(out).toContain("  pulumi:pulumi:Stack legacy-ml-legacy\n");
    expect(out).toMatch(/\n  [├└]─ legacyml:scoring:ScoringService scoring\n  [│ ]  ├─ azure-native:machinelearningservices:OnlineEndpoint scoring-endpoint\n  [│ ]  └─ azure-native:machinelearningservices:OnlineDeployment scoring-blue\n/);
    expect(out).toMatch(/^\s+1\s+azure-native:machinelearningservices\/v20210401:AKSService$/m);
    expect(out.indexOf("Mandatory (2):")).toBeGreaterThan(0);
    expect(out.indexOf("Mandatory (2):")).toBeLessThan(out.indexOf("Advisory (2):"));
    expect(out).toContain("[mandatory] fixture-legacy-dual-auth  (azure-native:machinelearningservices/v20210401:AKSService legacy-aks)");
    expect(out.indexOf("Deferred in preview (1): `pulumi preview` cannot run these checks")).toBeGreaterThan(
      out.indexOf("Remediated (applied to the plan) (1):"),
    );
    expect(out).toMatch(/^    - fixture-deployment-endpoint-name  \(azure-native:machinelearningservices:OnlineDeployment scoring-blue\): \S.*\.endpointName/m);
    expect(out).not.toContain("[advisory] fixture-deployment-endpoint-name");
    expect(out).not.toContain("can't run policy");
    expect(out.trimEnd().split("\n").pop()).toMatch(/^Summary: legacy-ml\/legacy: 8 resources, 2 mandatory, 2 advisory, 1 deferred in preview \(/);
  });

  it("markdown: a PR comment with counts, collapsed sections and a Mermaid graph", () => {
    const out = markdown.stdout;
    expect(out).toMatch(/^### Offline plan: `legacy-ml` \/ `legacy`/);
    expect(out).toContain(
      "| Resources | Mandatory | Advisory | Deferred in preview | Undecided |\n| ---: | ---: | ---: | ---: | ---: |\n| 8 | 2 | 2 | 1 | 0 |\n",
    );
    expect(out).toContain("<summary>Advisory policy results (2)</summary>");
    expect(out).toContain("<summary>Deferred in preview, decided by the deploy phase (1)</summary>");
    expect(out).toContain("<summary>Resource tree (8)</summary>");
    expect(out).toMatch(/```+mermaid\nflowchart LR\n/);
  });

  it("never prints a secret, in any format", () => {
    for (const result of [text, markdown, allStacks]) {
      for (const secret of LEGACY_SECRETS) expect(result.stdout + result.stderr).not.toContain(secret);
    }
    // the fixture pack quotes the endpoint's primary key: the plan scrubs it
    expect(text.stdout).toContain("primary key is [secret]");
  });
});

describe.concurrent("a project that is not ours, with the real aml-auth-guard pack", () => {
  it("exits 1 with ml-endpoint-auth-exclusive among the mandatory results, secrets scrubbed", async () => {
    const result = await runCli([...legacy, "--policy-pack", REAL_PACK, "--format", "json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as JsonReport;
    const mandatory = report.violations.filter((v) => v.enforcementLevel === "mandatory");
    expect(mandatory.map((v) => v.policy)).toContain("ml-endpoint-auth-exclusive");
    expect(mandatory.find((v) => v.policy === "ml-endpoint-auth-exclusive" && v.urn.endsWith("AKSService::legacy-aks"))).toBeDefined();
    // the program made the cluster name secret (requireSecretObject): messages quoting it are scrubbed
    for (const secret of [...LEGACY_SECRETS, "aks-legacy"]) expect(result.stdout).not.toContain(secret);
  });
});

describe.concurrent("every stack of ours plans with exit 0 (default project, pack and pack config)", () => {
  let stacks: CliResult;
  let plain: CliResult;
  let debugging: CliResult;
  beforeAll(async () => {
    [stacks, plain, debugging] = await Promise.all([
      runCli(["plan", "--stack", "dev,staging,prod", "--format", "json"]),
      runCli(["plan"]),
      runCli(["plan"], { env: { AML_PLAN_DEBUG: "1" } }),
    ]);
  });

  it("--stack dev,staging,prod: one JSON report per stack, in the order given", () => {
    expect(stacks.code).toBe(0);
    expect(stacks.stderr).toBe("3 stacks planned: dev 0, staging 0, prod 0 (exit 0)\n");
    const reports = JSON.parse(stacks.stdout) as JsonReport[];
    expect(reports.map((r) => r.stack)).toEqual(["dev", "staging", "prod"]);
    for (const report of reports) {
      expect(existsSync(path.join(ROOT, "stacks", `Pulumi.${report.stack}.yaml`))).toBe(true);
      expect(report.project).toBe("aml-webservices");
      expect(report.summary.mandatory).toBe(0);
      expect(report.resources.some((r) => r.type === "azure-native:machinelearningservices:OnlineEndpoint")).toBe(true);
      // each stack was checked with its own pack config
      expect(report.resources.every((r) => r.urn.startsWith(`urn:pulumi:${report.stack}::`))).toBe(true);
    }
  });

  it("npm run plan defaults to stack dev", () => {
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^Offline plan of project aml-webservices, stack dev\n/);
    expect(plain.stdout).toContain(`config ${path.join("policies", "config", "dev.json")}`);
  });

  it("prints the same report, byte for byte, with the debugging aids (stacks, source maps, the plan from its sources) kept on", () => {
    expect(debugging.code).toBe(0);
    expect(debugging.stderr).toBe(plain.stderr);
    expect(debugging.stdout).toBe(plain.stdout);
  });
});

describe.concurrent("errors exit 2 with the message, never a stack trace", () => {
  it("a stack without a stack file", async () => {
    const result = await runCli(["plan", "--stack", "nowhere"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: no stack file for stack 'nowhere': expected stacks\/Pulumi\.nowhere\.yaml/);
  });

  it("a pack config naming an unknown policy", async () => {
    const dir = temp(makeTempDir({ "bad.json": JSON.stringify({ "fixture-no-such-rule": "mandatory" }) }));
    const result = await runCli([...legacy, "--policy-pack", MINIMAL_PACK, "--policy-pack-config", path.join(dir, "bad.json")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: .*bad\.json names a policy that policy pack 'minimal-pack' does not have: 'fixture-no-such-rule'/);
  });

  it("a pack that does not compile, and its process is gone", async () => {
    const pack = temp(packWithTypeError());
    const result = await runCli([...legacy, "--policy-pack", pack]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: the policy pack in .* failed to start/);
    expect(result.stderr).toContain("TS2322");
    expect(result.stderr).not.toMatch(NO_STACK_TRACE);
    expect(processesRunningIn(pack)).toEqual([]);
  });

  it("a program that throws while the pack is starting: the pack process is shut down", async () => {
    const pack = privateMinimalPack();
    const project = temp(
      makeTempDir({
        "Pulumi.yaml": "name: throwing\nruntime: nodejs\n",
        "Pulumi.dev.yaml": "config: {}\n",
        "index.ts": `import * as pulumi from "@pulumi/pulumi";\nnew pulumi.ComponentResource("x:y:Z", "early");\nthrow new Error("the program gave up");\n`,
      }),
    );
    const result = await runCli(["plan", "--cwd", project, "--stack", "dev", "--policy-pack", pack]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("the program gave up");
    expect(result.stderr).not.toMatch(NO_STACK_TRACE);
    expect(processesRunningIn(pack)).toEqual([]);
  });

  it("a program that logs an error", async () => {
    const project = temp(
      makeTempDir({
        "Pulumi.yaml": "name: logging\nruntime: nodejs\n",
        "Pulumi.dev.yaml": "config: {}\n",
        "index.ts": `import * as pulumi from "@pulumi/pulumi";\nvoid pulumi.log.error("region westus is not allowed");\n`,
      }),
    );
    const result = await runCli(["plan", "--cwd", project, "--stack", "dev", "--policy-pack", MINIMAL_PACK]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("region westus is not allowed");
  });

  it("a policy that throws while analyzing: exit 2 and the pack process is gone", async () => {
    const pack = temp(
      makeTempDir({
        "PulumiPolicy.yaml": "runtime: nodejs\n",
        "package.json": JSON.stringify({ name: "throwing-pack", version: "0.0.1" }),
        "tsconfig.json": readFileSync(path.join(MINIMAL_PACK, "tsconfig.json"), "utf8"),
        "index.ts": `import { PolicyPack } from "@pulumi/policy";\nnew PolicyPack("throwing-pack", { policies: [{ name: "boom", description: "b", enforcementLevel: "advisory", validateResource: (args) => { if (args.type.includes("AKSService")) throw new Error("rule crashed on " + args.name); } }] });\n`,
      }),
    );
    const result = await runCli([...legacy, "--policy-pack", pack]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: the policy pack in .* failed in analyze: .*rule crashed on legacy-aks/s);
    expect(result.stderr).toContain("while checking azure-native:machinelearningservices/v20210401:AKSService legacy-aks");
    expect(result.stderr).not.toMatch(NO_STACK_TRACE);
    expect(processesRunningIn(pack)).toEqual([]);
  });
});

describe.concurrent("program shapes the CLI's nodejs host accepts", () => {
  it("calls an exported async function and plans what it creates", async () => {
    const project = temp(
      makeTempDir({
        "Pulumi.yaml": "name: fn-style\nruntime: nodejs\nmain: src/\n",
        "Pulumi.dev.yaml": "config:\n  fn-style:label: late\n",
        "src/index.ts": [
          `import * as pulumi from "@pulumi/pulumi";`,
          `export = async () => {`,
          `  await new Promise((resolve) => setTimeout(resolve, 20));`,
          `  const late = new pulumi.ComponentResource("fn:index:Late", new pulumi.Config().require("label"));`,
          `  return { urn: late.urn };`,
          `};`,
          ``,
        ].join("\n"),
      }),
    );
    const result = await runCli(["plan", "--cwd", project, "--policy-pack", MINIMAL_PACK, "--format", "json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.resources.map((r) => `${r.type} ${r.name}`)).toEqual(["pulumi:pulumi:Stack fn-style-dev", "fn:index:Late late"]);
  });
});

describe.concurrent("interrupted", () => {
  it("kills the pack process when the CLI is terminated while the pack is starting", async () => {
    const pack = temp(packThatHangs());
    const child = spawn(process.execPath, [BIN, ...legacy, "--policy-pack", pack], { stdio: "ignore" });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (processesRunningIn(pack).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(processesRunningIn(pack)).toHaveLength(1);
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    // the CLI sends SIGKILL as it exits; the pack is gone once the kernel has ended it
    expect(await settled(() => processesRunningIn(pack))).toEqual([]);
  });
});
