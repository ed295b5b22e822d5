import { createRequire } from "node:module";
import * as path from "node:path";
import { format } from "node:util";
import { register as registerTsx } from "tsx/cjs/api";
import { runUnderMocks, type LoggedMessage, type MockRunResult, type PulumiModule } from "./mockRun";
import { indent, ProgramError, withoutStackFrames } from "./planErrors";
import type { PulumiProject, StackConfig } from "./pulumiProject";

export interface ProgramRun extends MockRunResult {
  /** where `@pulumi/pulumi` was loaded from for this program */
  pulumiPath: string;
}

let programHasRun = false;

/**
 * Runs a Pulumi program once under the mock runtime with preview semantics, as `pulumi preview`
 * would run it: config as the CLI passes it, working directory = project directory, TypeScript
 * through tsx. Computed outputs stay unknown.
 *
 * Throws `ProgramError` (exit 2) with the error text only when the program throws, a registration
 * fails, or the program logs an error. A program runs once per process: Pulumi's runtime state and
 * the module cache are process-wide.
 */
export async function runProgram(project: PulumiProject, stackConfig: StackConfig): Promise<ProgramRun> {
  if (programHasRun) throw new Error("runProgram: a program runs once per process (Pulumi's runtime state is global)");
  programHasRun = true;

  const projectRequire = createRequire(path.join(project.dir, "__plan__.js"));
  let pulumiPath: string;
  try {
    pulumiPath = projectRequire.resolve("@pulumi/pulumi");
  } catch {
    throw new ProgramError(`cannot resolve @pulumi/pulumi from ${project.dir}: install the project's dependencies`);
  }
  const pulumi = projectRequire(pulumiPath) as PulumiModule;

  // The program's TypeScript runs through tsx's CommonJS hooks (registering twice is harmless).
  registerTsx();

  const consoleMessages: LoggedMessage[] = [];
  const restoreConsole = captureConsole(consoleMessages);
  const previousDir = process.cwd();
  process.chdir(project.dir);
  let result: MockRunResult;
  try {
    // As the CLI's nodejs host: the module's exports are the stack outputs; an exported function is
    // called (and awaited) and its result is the stack outputs.
    const program = (): unknown => {
      const exported = projectRequire(project.entryPoint) as unknown;
      return exported instanceof Function ? (exported as () => unknown)() : exported;
    };
    result = await runUnderMocks(program, {
      project: project.name,
      stack: stackConfig.stack,
      preview: true,
      config: stackConfig.config,
      secretKeys: stackConfig.secretKeys,
      pulumi,
    });
  } finally {
    process.chdir(previousDir);
    restoreConsole();
  }

  const messages = [...consoleMessages, ...result.messages];
  const failures = [
    ...result.errors.map((error) => errorText(pulumi, error)),
    ...result.messages.filter((m) => m.severity === "error").map((m) => m.message),
  ];
  if (failures.length > 0) {
    throw new ProgramError(
      `the program of project '${project.name}' failed for stack '${stackConfig.stack}':\n` +
        [...new Set(failures)].map((f) => indent(f)).join("\n"),
    );
  }
  return { ...result, messages, pulumiPath };
}

/** The error's text without a stack trace. */
function errorText(pulumi: PulumiModule, error: Error): string {
  const errors = pulumi as unknown as {
    RunError?: { isInstance(e: unknown): boolean };
    ResourceError?: { isInstance(e: unknown): boolean };
  };
  if (errors.RunError?.isInstance(error) || errors.ResourceError?.isInstance(error)) return error.message.trim();
  if (error.name === "SyntaxError" || error.name === "TransformError") return withoutStackFrames(error.message);
  const text = withoutStackFrames(error.message) || error.name;
  return error.name && error.name !== "Error" && !text.startsWith(error.name) ? `${error.name}: ${text}` : text;
}


/**
 * A program may print; the plan's report may go to stdout (e.g. JSON). Console output during the
 * run becomes program messages instead, as the CLI shows a program's output as diagnostics.
 */
function captureConsole(messages: LoggedMessage[]): () => void {
  const original = { log: console.log, info: console.info, debug: console.debug, warn: console.warn, error: console.error };
  const capture =
    (severity: LoggedMessage["severity"]) =>
    (...args: unknown[]): void => {
      messages.push({ severity, message: format(...args) });
    };
  console.log = capture("info");
  console.info = capture("info");
  console.debug = capture("info");
  console.warn = capture("warning");
  // console.error from a program is output, not a failure (pulumi.log.error is the failure signal)
  console.error = capture("warning");
  return () => Object.assign(console, original);
}
