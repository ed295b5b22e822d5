import { existsSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { PolicyAnalyzer, type PolicyConfigEntry } from "./analyzer";
import { evaluatePolicies, loadPolicyPackConfig, type PolicyEvaluation } from "./policyEvaluation";
import { DEFAULT_PROGRAM_TIMEOUT_SECONDS, ProgramSession } from "./engine/programProcess";
import { runProgram, type ProgramRun, type ProgramRunOptions } from "./programRun";
import { readPulumiProject, readStackConfig, secretConfigValues, type PulumiProject, type StackConfig } from "./pulumiProject";
import { buildPlanModel, type PlanModel } from "./report/planModel";
import type { RecordedResource } from "./recordedResource";
import { SecretScrubber } from "./secretScrubber";

export interface OfflinePlanOptions {
  /** the Pulumi project directory */
  projectDir: string;
  stack: string;
  /** the policy pack directory */
  packDir: string;
  /** the pack config file; when undefined, `<packDir>/config/<stack>.json` if it exists */
  packConfigFile?: string;
  /** analyzer hooks, e.g. for tests that check the pack process is gone afterwards */
  onAnalyzerSpawn?: (pid: number) => void;
  /** called with each program process's pid */
  onProgramSpawn?: (pid: number) => void;
  packStartTimeoutMs?: number;
  /** how long each run of the program may take; default 300 s */
  timeoutSeconds?: number;
}

/** `<packDir>/config/<stack>.json` when it exists. */
export function defaultPackConfigFile(packDir: string, stack: string): string | undefined {
  const file = path.join(packDir, "config", `${stack}.json`);
  return existsSync(file) ? file : undefined;
}

/** The plan of one stack in a multi-stack run: its model, or the error that stopped it (exit 2). */
export type StackPlanOutcome = { stack: string; model: PlanModel } | { stack: string; error: unknown };

export interface OfflinePlansOptions extends Omit<OfflinePlanOptions, "stack"> {
  stacks: string[];
}

/**
 * Stacks whose files are in the project's stack config directory (`Pulumi.<stack>.yaml`), sorted:
 * what `--all-stacks` plans.
 */
export function discoverStacks(projectDir: string): string[] {
  const project = readPulumiProject(projectDir);
  if (!existsSync(project.stackConfigDir)) return [];
  const stacks = readdirSync(project.stackConfigDir)
    .map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined);
  return [...new Set(stacks)].sort();
}

/**
 * Evaluates a stack offline, as `pulumi preview --policy-pack` and `pulumi up --policy-pack` would:
 * reads the project and stack config, starts the policy pack (in parallel with the program, as the
 * CLI loads packs first), runs the program twice in a process of its own (preview semantics, then
 * deploy semantics with Azure-shaped known outputs), then runs the engine's policy calls on each.
 * The pack and program processes are shut down on every path.
 *
 * Throws a `PlanError` (exit 2) on a config, program or pack error.
 */
export async function runOfflinePlan(options: OfflinePlanOptions): Promise<PlanModel> {
  const [outcome] = await runOfflinePlans({ ...options, stacks: [options.stack] });
  if (!outcome || "error" in outcome) throw outcome?.error ?? new Error("no plan");
  return outcome.model;
}

/**
 * Plans several stacks of one project with one policy pack process and, while the program can run
 * again in it, one program process: the pack starts first, the programs of one stack run while the
 * previous stack's resources are checked, and every stack's policy calls go to the same analyzer,
 * configured anew for each stack and phase. A stack whose config or program fails gets its error
 * and the others are still planned; a pack that fails to start or to answer fails every stack not
 * yet checked.
 */
export async function runOfflinePlans(options: OfflinePlansOptions): Promise<StackPlanOutcome[]> {
  const project = readPulumiProject(options.projectDir);
  const packDir = path.resolve(options.packDir);
  // config errors are known before any process starts; when every stack has one, no pack starts
  // here (one the command started early is killed when it exits)
  const inputs = options.stacks.map((stack) => ({ stack, read: settleNow(() => readStackInputs(project, stack, options)) }));
  if (inputs.every(({ read }) => "error" in read)) {
    return inputs.map(({ stack, read }) => ({ stack, error: (read as { error: unknown }).error }));
  }
  const analyzer = new PolicyAnalyzer({
    packDir,
    ...(options.onAnalyzerSpawn ? { onSpawn: options.onAnalyzerSpawn } : {}),
    ...(options.packStartTimeoutMs ? { startTimeoutMs: options.packStartTimeoutMs } : {}),
  });
  const session = new ProgramSession();
  try {
    const started = analyzer.start();
    let packFailure: { error: unknown } | undefined;
    started.catch((error: unknown) => (packFailure = { error })); // awaited below; never an unhandled rejection meanwhile
    const runOptions = {
      session,
      timeoutSeconds: options.timeoutSeconds ?? DEFAULT_PROGRAM_TIMEOUT_SECONDS,
      ...(options.onProgramSpawn ? { onSpawn: options.onProgramSpawn } : {}),
    };
    const outcomes: Promise<StackPlanOutcome>[] = [];
    // The pack has loaded all of its code before any program code runs: a program can write files
    // (the pack's cache, node_modules), and the pack must not load what a program wrote. The
    // program's process meanwhile loads the SDK, when it is the plan's own (`programHost.ts`).
    await settle(started);
    // the analyzer serves one stack at a time: Configure holds for the calls that follow it
    let analyzerFree: Promise<unknown> = started;
    for (const [index, { stack, read }] of inputs.entries()) {
      // a pack that could not start fails the stacks not yet run without running their programs
      const failedBefore = "error" in read ? read : packFailure;
      const programs = "error" in read || packFailure ? undefined : startStackPrograms(project, read.value, runOptions);
      // the preview is checked while the deployment runs; a program error is the stack's error, even
      // when the pack failed too
      const checked = analyzerFree.then(
        async (): Promise<StackCheck | { error: unknown }> => {
          if (!programs) return { error: failedBefore!.error };
          try {
            return await checkStack(analyzer, programs);
          } catch (error) {
            const ran = await settle(programs.deployed);
            return { error: "error" in ran ? ran.error : error };
          }
        },
        // the pack failed to start, so no program ran
        (error: unknown) => ({ error: failedBefore?.error ?? error }),
      );
      analyzerFree = checked.then(() => started); // a failed start fails every stack
      analyzerFree.catch(() => undefined); // read by the next stack's check; after the last stack, by none
      // once the last stack is checked (each waits for the one before) the pack ends, while plan models
      // are built; the last by position: a stack named twice is checked twice
      if (index === inputs.length - 1) checked.then(() => analyzer.shutdown()).catch(() => undefined);
      const evaluated = checked.then((check): StackPlanOutcome =>
        "error" in check ? { stack, error: check.error } : { stack, model: stackModel(packDir, programs!, check) },
      );
      outcomes.push(evaluated.catch((error: unknown): StackPlanOutcome => ({ stack, error })));
      // the next stack's programs run once this stack's have (one program process serves them in turn)
      if (programs) await settle(programs.deployed);
    }
    return await Promise.all(outcomes);
  } finally {
    session.close();
    await analyzer.shutdown();
  }
}

interface StackInputs {
  stackConfig: StackConfig;
  packConfigFile: string | undefined;
  packConfig: Record<string, PolicyConfigEntry> | undefined;
}

/** The stack's config and its policy pack config, as files say; throws a `PlanConfigError`. */
function readStackInputs(project: PulumiProject, stack: string, options: OfflinePlansOptions): StackInputs {
  const stackConfig = readStackConfig(project, stack);
  const packConfigFile = options.packConfigFile
    ? path.resolve(options.packConfigFile)
    : defaultPackConfigFile(path.resolve(options.packDir), stack);
  const packConfig = packConfigFile ? loadPolicyPackConfig(packConfigFile) : undefined;
  return { stackConfig, packConfigFile, packConfig };
}

interface StackPrograms extends StackInputs {
  project: PulumiProject;
  preview: Promise<ProgramRun>;
  /** the deployment, once the preview has run; fails when either run fails */
  deployed: Promise<ProgramRun>;
}

/** Runs the stack's program as a preview, then as a deployment. */
function startStackPrograms(project: PulumiProject, inputs: StackInputs, runOptions: Omit<ProgramRunOptions, "phase">): StackPrograms {
  const preview = runProgram(project, inputs.stackConfig, { ...runOptions, phase: "preview" });
  const deployed = preview.then(() => runProgram(project, inputs.stackConfig, { ...runOptions, phase: "deploy" }));
  preview.catch(() => undefined); // read through `deployed` too; never an unhandled rejection
  deployed.catch(() => undefined);
  return { project, ...inputs, preview, deployed };
}

/** A stack's two runs and the policy pack's findings on each. */
interface StackCheck {
  preview: ProgramRun;
  deploy: ProgramRun;
  evaluation: PolicyEvaluation;
  deployEvaluation: PolicyEvaluation;
}

/**
 * The engine's policy calls on both phases of one stack. The pack is configured for a phase while
 * its run goes on; its resources are checked once the run is done.
 */
async function checkStack(analyzer: PolicyAnalyzer, programs: StackPrograms): Promise<StackCheck> {
  const { project, stackConfig, packConfigFile, packConfig } = programs;
  const context = {
    project: project.name,
    stack: stackConfig.stack,
    ...(packConfig ? { packConfig } : {}),
    ...(packConfigFile ? { packConfigFile } : {}),
    stackConfiguration: {
      config: stackConfig.config,
      secretKeys: stackConfig.secretKeys,
      tags: {
        "pulumi:project": project.name,
        "pulumi:runtime": project.runtime,
        ...(project.description ? { "pulumi:description": project.description } : {}),
      },
    },
  };
  const evaluation = await evaluatePolicies(analyzer, resourcesOf(programs.preview), { ...context, phase: "preview" });
  const deployEvaluation = await evaluatePolicies(analyzer, resourcesOf(programs.deployed), { ...context, phase: "deploy" });
  return { preview: await programs.preview, deploy: await programs.deployed, evaluation, deployEvaluation };
}

/** The stack's plan model, from its runs and the pack's findings. */
function stackModel(packDir: string, programs: StackPrograms, { preview, deploy, evaluation, deployEvaluation }: StackCheck): PlanModel {
  const { project, stackConfig, packConfigFile } = programs;
  const scrubber = new SecretScrubber();
  scrubber.addPlaintext(...secretConfigValues(stackConfig));
  for (const [run, phaseEvaluation] of [[preview, evaluation], [deploy, deployEvaluation]] as const) {
    for (const resource of run.resources) {
      scrubber.addSecretsIn(resource.inputs);
      scrubber.addSecretsIn(resource.outputs);
      scrubber.addSecretsIn(phaseEvaluation.remediatedInputs[resource.urn] ?? {});
    }
    scrubber.addSecretsIn(run.stackOutputs);
  }

  return buildPlanModel({
    stack: stackConfig.stack,
    project: project.name,
    projectDir: project.dir,
    packDir,
    ...(packConfigFile ? { packConfigFile } : {}),
    resources: preview.resources,
    deployResources: deploy.resources,
    evaluation: { ...evaluation, results: [...evaluation.results, ...deployEvaluation.results] },
    programMessages: preview.messages.filter((m) => m.severity !== "error"),
    warnings: [
      ...new Set([...preview.limits, ...deploy.limits]),
      ...(stackConfig.secretKeys.length > 0
        ? [`secret config (${stackConfig.secretKeys.join(", ")}) is not decrypted offline: the program saw placeholders`]
        : []),
    ],
    scrubber,
  });
}

/** A run's resources once it is done (`evaluatePolicies` handles its failure; the run's awaiter reports it). */
function resourcesOf(run: Promise<ProgramRun>): Promise<RecordedResource[]> {
  return run.then((done) => done.resources);
}

function settleNow<T>(read: () => T): { value: T } | { error: unknown } {
  try {
    return { value: read() };
  } catch (error) {
    return { error };
  }
}

async function settle<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}
