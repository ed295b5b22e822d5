import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { processIo, type CliIo } from "./cliIo";
import { DEFAULT_PROGRAM_TIMEOUT_SECONDS } from "./engine/programProcess";
import type { ComparablePlan, PlanComparison } from "./compare/planComparison";
import { discoverStacks, runOfflinePlans, type StackPlanOutcome } from "./offlinePlan";
import { PlanError, UsageError, withoutStackFrames } from "./planErrors";
import { PlanOptionError, planDirectories, readPlanOptions, type PlanOptionValues, type ReportFormat } from "./planOptions.cjs";
import { readPulumiProject } from "./pulumiProject";
import { renderJson, toJsonReport } from "./report/jsonReport";
import { renderMarkdown } from "./report/markdownReport";
import { exitCodeOf, summaryLine, type PlanModel } from "./report/planModel";
import { renderText } from "./report/textReport";

// `--compare`'s modules load only when it is given, and then before the program runs, as the plan's
// other modules: a program can write the plan's files, and the plan must not load what it wrote
// (`main` reads the base plan first)
type CompareModules = typeof import("./compare/planComparison") & typeof import("./compare/comparisonReport");
let compare: CompareModules | undefined;
const compareModules = (): CompareModules =>
  (compare ??= {
    ...(require("./compare/planComparison") as typeof import("./compare/planComparison")),
    ...(require("./compare/comparisonReport") as typeof import("./compare/comparisonReport")),
  });

export const USAGE = `Usage: aml-webservices plan [options]

Evaluate a Pulumi stack offline and run the policy pack on it, as \`pulumi preview --policy-pack\`
and \`pulumi up --policy-pack\` would, with no cloud credentials and no Pulumi CLI. The program
runs twice in its own process: as a preview, and as a deployment against fakes of Azure. It sees
the program and the policy pack, not what exists in Azure: it does not replace \`pulumi preview\`.

Options:
  --stack <name>[,<name>...]     stack(s) to plan (default: dev); several stacks share one policy
                                 pack process, and the exit code is the highest of their codes
  --all-stacks                   plan every stack with a file in the stack config directory
  --cwd <dir>                    Pulumi TypeScript project to plan: a directory with Pulumi.yaml
                                 (default: this project)
  --policy-pack <dir>            policy pack directory (default: this project's policies/)
  --policy-pack-config <file>    policy pack config JSON
                                 (default: <policy pack>/config/<stack>.json when it exists)
  --format <text|markdown|json>  report format (default: text)
  --out <file>                   write the report to <file> and print a one-line summary
  --timeout <seconds>            time limit for each run of the program (default: 300)
  --compare <base.json>          lead with what changed against a base plan of the same stack
                                 (\`--format json\` output, e.g. of the base branch): resources
                                 added, removed and changed (inputs, secrets redacted), policy
                                 results new, no longer reported, or at another level
  -h, --help                     show this help

Exit codes:
  0  no mandatory policy violation
  1  at least one mandatory policy violation in either phase (\`pulumi preview\` or \`pulumi up\` fails)
  2  program, config or policy pack error; the program exited, hung past --timeout or failed
`;

export interface PlanCommand {
  /** the first of `stacks` */
  stack: string;
  /** every stack to plan, in the order given (one analyzer serves them all) */
  stacks: string[];
  projectDir: string;
  packDir: string;
  packConfigFile?: string;
  format: ReportFormat;
  out?: string;
  timeoutSeconds: number;
  /** the JSON plan to compare with */
  compare?: string;
}

/** The command's options (`planOptions.cjs`); an option it cannot take is a `UsageError`. */
function optionsOrUsageError(argv: string[]): PlanOptionValues {
  try {
    return readPlanOptions(argv);
  } catch (error) {
    throw error instanceof PlanOptionError ? new UsageError(error.message) : error;
  }
}

export function parsePlanArgs(argv: string[]): PlanCommand | "help" {
  const values = optionsOrUsageError(argv);
  if (values.help) return "help";
  const format = (values.format ?? "text") as ReportFormat;
  const timeoutSeconds = values.timeout === undefined ? DEFAULT_PROGRAM_TIMEOUT_SECONDS : Number(values.timeout);
  const { projectDir, packDir } = planDirectories(values);
  const stacks = stacksToPlan(values.stack, values["all-stacks"] === true, projectDir);
  return {
    timeoutSeconds,
    stack: stacks[0]!,
    stacks,
    projectDir,
    packDir,
    ...(values["policy-pack-config"] ? { packConfigFile: path.resolve(values["policy-pack-config"]) } : {}),
    format,
    ...(values.out ? { out: path.resolve(values.out) } : {}),
    ...(values.compare ? { compare: path.resolve(values.compare) } : {}),
  };
}

/** `--stack a,b` in the order given, duplicates dropped; `--all-stacks` from the stack config directory. */
function stacksToPlan(stackOption: string | undefined, allStacks: boolean, projectDir: string): string[] {
  if (allStacks) {
    if (stackOption !== undefined) throw new UsageError("--all-stacks and --stack cannot be used together");
    let stacks: string[];
    try {
      stacks = discoverStacks(projectDir);
    } catch (error) {
      throw new UsageError(`--all-stacks: ${errorMessage(error)}`);
    }
    if (stacks.length === 0) throw new UsageError(`--all-stacks: no stack files (Pulumi.<stack>.yaml) for the project in ${projectDir}`);
    return stacks;
  }
  const names = (stackOption ?? "dev").split(",").map((name) => name.trim());
  if (names.some((name) => name === "")) throw new UsageError(`--stack: empty stack name in '${stackOption}'`);
  return [...new Set(names)];
}

export function renderReport(model: PlanModel, format: ReportFormat, comparison?: PlanComparison): string {
  if (comparison) {
    const { renderComparisonJson, renderComparisonMarkdown, renderComparisonText } = compareModules();
    if (format === "json") return renderComparisonJson(model, comparison);
    return format === "markdown" ? renderComparisonMarkdown(model, comparison) : renderComparisonText(model, comparison);
  }
  switch (format) {
    case "json":
      return renderJson(model);
    case "markdown":
      return renderMarkdown(model);
    default:
      return renderText(model);
  }
}

export type { CliIo };

/** `aml-webservices plan ...`: returns the exit code (0, 1 or 2). */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  let command: PlanCommand | "help";
  try {
    command = parsePlanArgs(argv);
  } catch (error) {
    io.stderr(`error: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (command === "help") {
    io.stdout(USAGE);
    return 0;
  }
  let outcomes: StackPlanOutcome[];
  let base: ComparablePlan | undefined;
  try {
    // the base plan is read first: a wrong file, or the plan of another stack, fails fast, before the program runs
    if (command.compare && command.stacks.length > 1) {
      throw new UsageError("--compare takes the base plan of one stack: plan one stack with it");
    }
    base = command.compare ? readBasePlan(command.compare) : undefined;
    if (base) compareModules().assertSameStack(base, { project: readPulumiProject(command.projectDir).name, stack: command.stack });
    outcomes = await runOfflinePlans({
      projectDir: command.projectDir,
      stacks: command.stacks,
      packDir: command.packDir,
      timeoutSeconds: command.timeoutSeconds,
      ...(command.packConfigFile ? { packConfigFile: command.packConfigFile } : {}),
    });
  } catch (error) {
    io.stderr(`error: ${errorMessage(error)}\n`);
    return 2;
  }
  const several = outcomes.length > 1;
  const reports: string[] = [];
  let exitCode = 0;
  for (const outcome of outcomes) {
    if ("error" in outcome) {
      io.stderr(`error: ${several ? `stack ${outcome.stack}: ` : ""}${errorMessage(outcome.error)}\n`);
      exitCode = 2;
      continue;
    }
    reports.push(renderReport(outcome.model, command.format, base ? compareModules().comparePlans(base, toJsonReport(outcome.model)) : undefined));
    exitCode = Math.max(exitCode, exitCodeOf(outcome.model));
  }
  const models = outcomes.flatMap((outcome) => ("model" in outcome ? [outcome.model] : []));
  // several JSON reports form one JSON array; text and markdown reports follow one another
  const report = command.format === "json" && several ? `[\n${reports.map((r) => r.trimEnd()).join(",\n")}\n]\n` : reports.join("\n");
  try {
    // a plan that failed writes no report, so no stale or empty file stands for one
    if (command.out && models.length > 0) {
      mkdirSync(path.dirname(command.out), { recursive: true });
      writeFileSync(command.out, report);
      for (const model of models) io.stdout(`${summaryLine(model)}; ${command.format} report written to ${command.out}\n`);
    } else if (!command.out) {
      io.stdout(report);
    }
  } catch (error) {
    io.stderr(`error: ${errorMessage(error)}\n`);
    return 2;
  }
  if (several) {
    io.stderr(`${outcomes.length} stacks planned: ${outcomes.map((o) => `${o.stack} ${"error" in o ? 2 : exitCodeOf(o.model)}`).join(", ")} (exit ${exitCode})\n`);
  }
  return exitCode;
}

function readBasePlan(file: string): ComparablePlan {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`--compare: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return compareModules().parseComparablePlan(text, file);
  } catch (error) {
    throw new UsageError(`--compare: ${(error as Error).message}`);
  }
}

/** The message of an error, never its stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof PlanError) return error.message;
  if (error instanceof Error) return withoutStackFrames(error.message) || error.name;
  return String(error);
}
