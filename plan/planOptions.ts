/**
 * The plan command's options as given, before they are checked: read by the command itself
 * (`cli.ts`) and, to start the plan's processes early, by `earlyStart.ts`. Kept light.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";

/** This package's root: the default project and the home of the default policy pack. */
export const PACKAGE_ROOT = path.resolve(__dirname, "..");

const PLAN_OPTIONS = {
  stack: { type: "string" },
  "all-stacks": { type: "boolean" },
  cwd: { type: "string" },
  "policy-pack": { type: "string" },
  "policy-pack-config": { type: "string" },
  format: { type: "string" },
  out: { type: "string" },
  timeout: { type: "string" },
  compare: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export type PlanOptionValues = ReturnType<typeof readPlanOptions>;

/** The options in `argv`; throws parseArgs' error on an unknown option, a missing value or a positional. */
export function readPlanOptions(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: false, strict: true, options: PLAN_OPTIONS }).values;
}

/** The project to plan (`--cwd`) and the policy pack (`--policy-pack`), defaults applied. */
export function planDirectories(values: PlanOptionValues): { projectDir: string; packDir: string } {
  return {
    projectDir: path.resolve(values.cwd ?? PACKAGE_ROOT),
    packDir: path.resolve(values["policy-pack"] ?? path.join(PACKAGE_ROOT, "policies")),
  };
}
