// Structural checks of the pipeline definitions: GitHub Actions workflows (validated against the
// workflow schema by @action-validator/core) and Azure Pipelines.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { validateWorkflow } from "@action-validator/core";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { discoverStacks } from "../../pipelines/stackDiscovery";
import { ROOT } from "../plan/helpers";

const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const workflowFiles = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const text = (file: string): string => readFileSync(file, "utf8");
const workflow = (name: string): Workflow => parse(text(path.join(WORKFLOWS, name))) as Workflow;
const stacks = discoverStacks(ROOT);
const DEPLOY_ORDER = ["dev", "staging", "prod"];

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string | boolean | number>;
  env?: Record<string, string>;
  if?: string;
}
interface Job {
  uses?: string;
  with?: Record<string, string>;
  needs?: string | string[];
  permissions?: Record<string, string>;
  environment?: { name: string } | string;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  strategy?: { matrix: Record<string, unknown> };
  steps?: Step[];
  env?: Record<string, string>;
  if?: string;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const allSteps = (wf: Workflow): Step[] => Object.values(wf.jobs).flatMap((job) => job.steps ?? []);

describe("GitHub Actions workflows", () => {
  it("are the pull-request, deploy and deploy-stack workflows", () => {
    expect(workflowFiles.sort()).toEqual(["deploy-stack.yml", "deploy.yml", "pull-request.yml"]);
  });

  it.each(workflowFiles)("%s validates against the GitHub Actions workflow schema", (file) => {
    expect(validateWorkflow(text(path.join(WORKFLOWS, file))).errors).toEqual([]);
  });

  it("the validator refuses a broken workflow (it is not a stub)", () => {
    const broken = text(path.join(WORKFLOWS, "pull-request.yml")).replace("runs-on: ubuntu-latest", "runs-onn: ubuntu-latest");
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it("deploy: dev, then staging, then prod, each a stage of deploy-stack.yml, covering every stack in stacks/", () => {
    const deploy = workflow("deploy.yml");
    expect(Object.keys(deploy.on)).toEqual(["push", "workflow_dispatch"]);
    expect(deploy.on.push).toEqual({ branches: ["main"] });
    expect(Object.keys(deploy.jobs)).toEqual(DEPLOY_ORDER);
    DEPLOY_ORDER.forEach((stack, index) => {
      const job = deploy.jobs[stack]!;
      expect(job.uses).toBe("./.github/workflows/deploy-stack.yml");
      expect(job.with).toEqual({ stack });
      expect(job.needs).toBe(index === 0 ? undefined : DEPLOY_ORDER[index - 1]);
      expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    });
    expect([...DEPLOY_ORDER].sort()).toEqual(stacks);
  });

  it("deploy-stack: a GitHub environment per stack, one deploy at a time, keyless login, policy pack on up, smoke check", () => {
    const stage = workflow("deploy-stack.yml");
    expect(stage.permissions).toEqual({ contents: "read", "id-token": "write" });
    const up = stage.jobs.up!;
    expect(up.environment).toEqual({ name: "${{ inputs.stack }}" });
    expect(up.concurrency).toEqual({ group: "deploy-${{ inputs.stack }}", "cancel-in-progress": false });
    expect(up.env).toMatchObject({ ARM_USE_OIDC: "true", ARM_CLIENT_ID: "${{ vars.AZURE_CLIENT_ID }}" });
    const login = up.steps!.find((s) => s.uses?.startsWith("azure/login@"))!;
    expect(Object.keys(login.with!).sort()).toEqual(["client-id", "subscription-id", "tenant-id"]);
    const pulumi = up.steps!.find((s) => s.uses === "pulumi/actions@v7")!;
    expect(pulumi.with).toMatchObject({ command: "up", "stack-name": "${{ inputs.stack }}", policyPacks: "policies", policyPackConfigs: "policies/config/${{ inputs.stack }}.json" });
    const steps = up.steps!;
    expect(steps.indexOf(steps.find((s) => s.run?.includes("npm run --silent smoke"))!)).toBeGreaterThan(steps.indexOf(pulumi));
  });

  it("pull-request: tests, the offline plan of every stack against the base commit, one sticky comment, and preview with the policy pack", () => {
    const pr = workflow("pull-request.yml");
    expect(pr.on).toEqual({ pull_request: { branches: ["main"] } });
    expect(pr.permissions).toEqual({ contents: "read" });
    const runs = (job: string): string[] => pr.jobs[job]!.steps!.flatMap((s) => (s.run ? [s.run] : []));
    expect(runs("checks")).toEqual(["npm ci --no-audit --no-fund", "npm run typecheck", "npm test"]);
    expect(runs("offline-plan")).toEqual([
      "npm ci --no-audit --no-fund",
      "npm ci --no-audit --no-fund",
      "npm run --silent plan:stacks -- --project .plan-base --format json --out-dir plan-output/base",
      "npm run --silent plan:stacks -- --out-dir plan-output/head --compare-dir plan-output/base --publish-summary",
      'npm run --silent pr:comment -- --body-file plan-output/head/report.md --author "github-actions[bot]"',
    ]);
    expect(pr.jobs["offline-plan"]!.needs).toBe("checks");
    // only the plan job may write comments; the head plan's step fails the check (exit 1 or 2)
    expect(pr.jobs["offline-plan"]!.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    const planStep = pr.jobs["offline-plan"]!.steps!.find((s) => s.run?.includes("--out-dir plan-output/head"))!;
    expect(planStep).not.toHaveProperty("continue-on-error");
    const base = pr.jobs["offline-plan"]!.steps!.find((s) => s.with?.path === ".plan-base")!;
    expect(base.with!.ref).toBe("${{ github.event.pull_request.base.sha }}");
    // preview: every stack from the stack files, only with the preview identity configured
    const preview = pr.jobs.preview!;
    expect(preview.strategy!.matrix.stack).toBe("${{ fromJSON(needs.stacks.outputs.stacks) }}");
    expect(runs("stacks")).toContain("npm run --silent stacks -- --github-output");
    expect(preview.if).toContain("vars.AZURE_PREVIEW_CLIENT_ID != ''");
    expect(preview.permissions).toEqual({ contents: "read", "id-token": "write" });
  });

  it("every pulumi preview and up runs the policy pack with the stack's own config, which exists for every stack", () => {
    const pulumiSteps = workflowFiles.flatMap((f) => allSteps(workflow(f))).filter((s) => s.uses?.startsWith("pulumi/actions@"));
    expect(pulumiSteps.map((s) => s.with!.command).sort()).toEqual(["preview", "up"]);
    for (const step of pulumiSteps) {
      expect(step.with!.policyPacks).toBe("policies");
      const stackExpression = String(step.with!["stack-name"]);
      expect(step.with!.policyPackConfigs).toBe(`policies/config/${stackExpression}.json`);
    }
    for (const stack of stacks) expect(existsSync(path.join(ROOT, "policies", "config", `${stack}.json`))).toBe(true);
  });

  it("every run step is an npm script of this repository", () => {
    for (const file of workflowFiles) for (const step of allSteps(workflow(file))) if (step.run) expect(step.run).toMatch(/^npm (ci( |$)|test$|run )/);
  });
});

describe("Azure Pipelines", () => {
  interface AdoStep {
    script?: string;
    task?: string;
    inputs?: Record<string, string>;
  }
  const pipeline = parse(text(path.join(ROOT, "azure-pipelines.yml"))) as {
    trigger: unknown;
    pr: unknown;
    variables: Array<Record<string, string>>;
    stages: Array<{ stage?: string; template?: string; parameters?: Record<string, string>; jobs?: Array<{ steps: AdoStep[] }> }>;
  };
  const template = parse(text(path.join(ROOT, ".azure-pipelines", "deploy-stage.yml"))) as {
    stages: Array<{ stage: string; dependsOn: string; condition: string; lockBehavior: string; jobs: Array<{ deployment: string; environment: string; strategy: { runOnce: { deploy: { steps: AdoStep[] } } } }> }>;
  };

  it("validates pull requests, then deploys dev, staging, prod in order through one template, covering every stack", () => {
    expect(pipeline.trigger).toEqual({ branches: { include: ["main"] } });
    expect(pipeline.pr).toEqual({ branches: { include: ["main"] } });
    expect(pipeline.stages[0]!.stage).toBe("validate");
    const deploys = pipeline.stages.slice(1);
    expect(deploys.map((s) => s.template)).toEqual(DEPLOY_ORDER.map(() => ".azure-pipelines/deploy-stage.yml"));
    expect(deploys.map((s) => s.parameters)).toEqual([
      { stack: "dev", dependsOn: "validate" },
      { stack: "staging", dependsOn: "deploy_dev" },
      { stack: "prod", dependsOn: "deploy_staging" },
    ]);
    expect(deploys.map((s) => s.parameters!.stack).sort()).toEqual(stacks);
  });

  it("the validation stage plans every stack against the target branch and publishes the report", () => {
    const steps = pipeline.stages[0]!.jobs!.flatMap((j) => j.steps);
    const scripts = steps.flatMap((s) => (s.script ? [s.script] : []));
    for (const script of scripts) expect(script).toMatch(/^npm (ci( |$)|test$|run )/);
    expect(scripts).toContain("npm run typecheck");
    expect(scripts).toContain("npm test");
    expect(scripts.some((s) => s.startsWith("npm run --silent plan:stacks") && s.includes("--base-ref origin/$(System.PullRequest.TargetBranchName)") && s.includes("--publish-summary"))).toBe(true);
    expect(steps.find((s) => s.task === "PublishPipelineArtifact@1")!.inputs).toMatchObject({ artifact: "offline-plan" });
  });

  it("each deploy stage: main only, an environment per stack, Pulumi@1 with the policy pack and config through the service connection, smoke check", () => {
    const [stage] = template.stages;
    expect(stage!.stage).toBe("deploy_${{ parameters.stack }}");
    expect(stage!.dependsOn).toBe("${{ parameters.dependsOn }}");
    expect(stage!.condition).toBe("and(succeeded(), eq(variables['Build.SourceBranch'], 'refs/heads/main'), ne(variables['Build.Reason'], 'PullRequest'))");
    expect(stage!.lockBehavior).toBe("sequential");
    const job = stage!.jobs[0]!;
    expect(job.environment).toBe("${{ parameters.stack }}");
    const steps = job.strategy.runOnce.deploy.steps;
    const up = steps.find((s) => s.task === "Pulumi@1")!;
    expect(up.inputs).toMatchObject({ azureSubscription: "$(azureServiceConnection)", loginArgs: "$(PULUMI_BACKEND_URL)", command: "up", stack: "${{ parameters.stack }}" });
    expect(up.inputs!.args).toContain("--policy-pack policies --policy-pack-config policies/config/${{ parameters.stack }}.json");
    const smoke = steps.find((s) => s.task === "AzureCLI@2")!;
    expect(smoke.inputs).toMatchObject({ azureSubscription: "$(azureServiceConnection)" });
    expect(smoke.inputs!.inlineScript).toMatch(/^npm run --silent smoke -- --stack \$\{\{ parameters\.stack \}\}/);
    expect(steps.indexOf(smoke)).toBeGreaterThan(steps.indexOf(up));
  });
});

describe("no secret in any pipeline file", () => {
  const files = [...workflowFiles.map((f) => path.join(WORKFLOWS, f)), path.join(ROOT, "azure-pipelines.yml"), path.join(ROOT, ".azure-pipelines", "deploy-stage.yml")];
  it.each(files.map((f) => path.relative(ROOT, f)))("%s holds no secret, client secret or literal id", (file) => {
    const content = text(path.join(ROOT, file));
    expect(content).not.toMatch(/secrets\./);
    expect(content).not.toMatch(/client-secret|ARM_CLIENT_SECRET|AZURE_CLIENT_SECRET|creds:|PULUMI_ACCESS_TOKEN|AZURE_STORAGE_KEY|PULUMI_CONFIG_PASSPHRASE/i);
    // no GUIDs (tenant, subscription, client ids come from variables) and no key-like strings
    expect(content).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
    expect(content).not.toMatch(/[A-Za-z0-9+/]{40,}={0,2}/);
  });
});
