/**
 * The plan's program host and policy pack start before the plan loads its own modules (gRPC, the
 * engine, the reports), so that all three load at once. Kept light; the processes are taken by
 * the plan's program session and analyzer when they start the same ones, and killed otherwise.
 * No program code runs before the plan asks for a run, which it does once the pack has loaded.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { forkProgramHostEarly } from "./engine/programHostFork";
import { defaultPackCacheDir, packStartFromEnvironment, spawnPackEarly } from "./packProcess";
import { planDirectories, readPlanOptions, type PlanOptionValues } from "./planOptions";

/**
 * Starts the processes the plan command in `argv` will use; nothing for help or an option error. A
 * command refused later (a stack without a file, say) has them killed when it exits.
 */
export function startPlanProcessesEarly(argv: string[]): void {
  let values: PlanOptionValues;
  try {
    values = readPlanOptions(argv);
  } catch {
    return; // the command reports it
  }
  if (values.help) return;
  const { projectDir, packDir } = planDirectories(values);
  if (existsSync(path.join(packDir, "PulumiPolicy.yaml"))) {
    spawnPackEarly({ packDir, start: packStartFromEnvironment(), cacheDir: defaultPackCacheDir() });
  }
  forkProgramHostEarly(projectDir);
}
