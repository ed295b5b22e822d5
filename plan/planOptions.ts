/**
 * The plan command's options, checked as far as they can be without reading the project: read by
 * the command itself (`cli.ts`) and, to start the plan's processes early, by `earlyStart.ts`, which
 * starts nothing for a command that fails here. Kept light.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { UsageError } from "./planErrors";

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

export const FORMATS = ["text", "markdown", "json"] as const;
export type ReportFormat = (typeof FORMATS)[number];

const parsePlanOptions = (argv: string[]) => parseArgs({ args: argv, allowPositionals: false, strict: true, options: PLAN_OPTIONS }).values;
export type PlanOptionValues = ReturnType<typeof parsePlanOptions>;

const MAX_TIMEOUT_SECONDS = 86_400;

/**
 * The options in `argv`; a `UsageError` naming the option for an unknown option, a positional, a
 * missing or empty value, an unknown format or a time limit that is not a number of seconds.
 */
export function readPlanOptions(argv: string[]): PlanOptionValues {
  let values: PlanOptionValues;
  try {
    values = parsePlanOptions(argv);
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, ""));
  }
  if (values.help) return values;
  if (values.format !== undefined && !(FORMATS as readonly string[]).includes(values.format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got '${values.format}'`);
  }
  for (const option of ["stack", "cwd", "policy-pack", "policy-pack-config", "out", "compare"] as const) {
    if (values[option] !== undefined && values[option]!.trim() === "") throw new UsageError(`--${option} needs a value`);
  }
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (values.timeout.trim() === "" || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_TIMEOUT_SECONDS) {
      throw new UsageError(`--timeout must be a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}, got '${values.timeout}'`);
    }
  }
  return values;
}

/** The project to plan (`--cwd`) and the policy pack (`--policy-pack`), defaults applied. */
export function planDirectories(values: PlanOptionValues): { projectDir: string; packDir: string } {
  return {
    projectDir: path.resolve(values.cwd ?? PACKAGE_ROOT),
    packDir: path.resolve(values["policy-pack"] ?? path.join(PACKAGE_ROOT, "policies")),
  };
}
