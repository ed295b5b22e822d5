import { existsSync } from "node:fs";
import * as path from "node:path";
import { PolicyAnalyzer } from "./analyzer";
import { evaluatePolicies, loadPolicyPackConfig } from "./policyEvaluation";
import { DEFAULT_PROGRAM_TIMEOUT_SECONDS } from "./engine/programProcess";
import { runProgram } from "./programRun";
import { readPulumiProject, readStackConfig, secretConfigValues } from "./pulumiProject";
import { buildPlanModel, type PlanModel } from "./report/planModel";
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

/**
 * Evaluates a stack offline, as `pulumi preview --policy-pack` and `pulumi up --policy-pack` would:
 * reads the project and stack config, starts the policy pack (in parallel with the program, as the
 * CLI loads packs first), runs the program twice in processes of its own (preview semantics, and
 * deploy semantics with Azure-shaped known outputs), then runs the engine's policy calls on each.
 * The pack process is shut down on every path.
 *
 * Throws a `PlanError` (exit 2) on a config, program or pack error.
 */
export async function runOfflinePlan(options: OfflinePlanOptions): Promise<PlanModel> {
  const project = readPulumiProject(options.projectDir);
  const stackConfig = readStackConfig(project, options.stack);
  const packDir = path.resolve(options.packDir);
  const packConfigFile = options.packConfigFile
    ? path.resolve(options.packConfigFile)
    : defaultPackConfigFile(packDir, options.stack);
  const packConfig = packConfigFile ? loadPolicyPackConfig(packConfigFile) : undefined;

  const analyzer = new PolicyAnalyzer({
    packDir,
    ...(options.onAnalyzerSpawn ? { onSpawn: options.onAnalyzerSpawn } : {}),
    ...(options.packStartTimeoutMs ? { startTimeoutMs: options.packStartTimeoutMs } : {}),
  });
  try {
    const started = analyzer.start();
    started.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
    // Both phases run at once, each program in its own process against its own engine.
    const runOptions = {
      timeoutSeconds: options.timeoutSeconds ?? DEFAULT_PROGRAM_TIMEOUT_SECONDS,
      ...(options.onProgramSpawn ? { onSpawn: options.onProgramSpawn } : {}),
    };
    const runs = await settleAll([
      runProgram(project, stackConfig, { ...runOptions, phase: "preview" }),
      runProgram(project, stackConfig, { ...runOptions, phase: "deploy" }),
    ]);
    const [preview, deploy] = runs;
    await started;

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
    const evaluation = await evaluatePolicies(analyzer, preview.resources, { ...context, phase: "preview" });
    const deployEvaluation = await evaluatePolicies(analyzer, deploy.resources, { ...context, phase: "deploy" });

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
        ...stackConfig.warnings,
        ...new Set([...preview.limits, ...deploy.limits]),
        ...(stackConfig.secretKeys.length > 0
          ? [
              `secret config (${stackConfig.secretKeys.join(", ")}) is not decrypted offline: the program saw placeholders`,
            ]
          : []),
      ],
      scrubber,
    });
  } finally {
    await analyzer.shutdown();
  }
}

/** Waits for every promise; then rethrows the first failure, so no run is left behind unawaited. */
async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failure = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failure) throw failure.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
