import { existsSync } from "node:fs";
import * as path from "node:path";
import { PolicyAnalyzer } from "./analyzer";
import { evaluatePolicies, loadPolicyPackConfig } from "./policyEvaluation";
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
  packStartTimeoutMs?: number;
}

/** `<packDir>/config/<stack>.json` when it exists. */
export function defaultPackConfigFile(packDir: string, stack: string): string | undefined {
  const file = path.join(packDir, "config", `${stack}.json`);
  return existsSync(file) ? file : undefined;
}

/**
 * Evaluates a stack offline, as `pulumi preview --policy-pack` would: reads the project and stack
 * config, starts the policy pack (in parallel with the program, as the CLI loads packs first),
 * runs the program under mocks with preview semantics, then runs the engine's policy calls.
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
    const run = await runProgram(project, stackConfig);
    await started;

    const evaluation = await evaluatePolicies(analyzer, run.resources, {
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
    });

    const scrubber = new SecretScrubber();
    scrubber.addPlaintext(...secretConfigValues(stackConfig));
    for (const resource of run.resources) {
      scrubber.addSecretsIn(resource.inputs);
      scrubber.addSecretsIn(resource.outputs);
      scrubber.addSecretsIn(evaluation.remediatedInputs[resource.urn] ?? {});
    }
    scrubber.addSecretsIn(run.stackOutputs);

    return buildPlanModel({
      stack: stackConfig.stack,
      project: project.name,
      projectDir: project.dir,
      packDir,
      ...(packConfigFile ? { packConfigFile } : {}),
      resources: run.resources,
      evaluation,
      programMessages: run.messages.filter((m) => m.severity !== "error"),
      warnings: [
        ...stackConfig.warnings,
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
