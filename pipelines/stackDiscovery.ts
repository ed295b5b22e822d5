import { readdirSync } from "node:fs";
import { readPulumiProject } from "../plan/pulumiProject";

/** `Pulumi.<stack>.yaml` (or `.yml`), as the Pulumi CLI names stack files. */
const STACK_FILE = /^Pulumi\.([A-Za-z0-9_.-]+)\.ya?ml$/;

/**
 * The stacks of a Pulumi project, found from its stack files (in `stackConfigDir`), sorted by name.
 * Pipelines plan and check every stack listed here: a stack file is enough to bring a stack under
 * the gate, no list to keep in step.
 */
export function discoverStacks(projectDir: string): string[] {
  const project = readPulumiProject(projectDir);
  const names = readdirSync(project.stackConfigDir)
    .map((file) => STACK_FILE.exec(file)?.[1])
    .filter((name): name is string => name !== undefined);
  return [...new Set(names)].sort();
}
