import { AzureFakes } from "./azureFakes";
import { nestedOutputOnlyPaths } from "./engine/declaredOutputs";
import { runProgramProcess, type ProgramProcessOptions, type ProgramProcessRun, type ProgramSession } from "./engine/programProcess";
import type { PulumiProject, StackConfig } from "./pulumiProject";

/** `preview`: as `pulumi preview` runs the program; `deploy`: as `pulumi up` runs it. */
export type PlanPhase = "preview" | "deploy";

export interface ProgramRun extends ProgramProcessRun {
  phase: PlanPhase;
  /** what the fakes could not answer faithfully */
  limits: string[];
}

export interface ProgramRunOptions {
  phase: PlanPhase;
  timeoutSeconds: number;
  onSpawn?: (pid: number) => void;
  /** the program process to run in, shared with other runs; by default a process of its own */
  session?: ProgramSession;
}

/**
 * Runs a Pulumi program once in a process of its own, as the CLI runs it: config as the CLI passes it,
 * working directory = project directory, TypeScript through tsx. In the preview phase computed
 * outputs stay unknown; in the deploy phase the fakes answer every create as Azure would, with
 * known, deterministic values.
 *
 * Throws `ProgramError` (exit 2) when the program throws, exits, hangs, or the engine refuses it.
 */
export async function runProgram(project: PulumiProject, stackConfig: StackConfig, options: ProgramRunOptions): Promise<ProgramRun> {
  const fakes = new AzureFakes({
    preview: options.phase === "preview",
    outputOnlyPaths: (type) => nestedOutputOnlyPaths(type, project.dir),
  });
  const processOptions: ProgramProcessOptions = {
    project: project.name,
    stack: stackConfig.stack,
    projectDir: project.dir,
    entryPoint: project.entryPoint,
    dryRun: options.phase === "preview",
    config: stackConfig.config,
    secretKeys: stackConfig.secretKeys,
    fakes,
    timeoutSeconds: options.timeoutSeconds,
    ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
  };
  const run = await (options.session ? options.session.run(processOptions) : runProgramProcess(processOptions));
  return { ...run, phase: options.phase, limits: [...new Set(fakes.limits)] };
}
