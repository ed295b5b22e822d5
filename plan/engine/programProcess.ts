import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { PARENT_WATCH, watchingThisProcess } from "../analyzer";
import type { LoggedMessage } from "../mockRun";
import { indent, ProgramError } from "../planErrors";
import type { RecordedResource } from "../recordedResource";
import type { WireValue } from "../wireValues";
import { PlanEngine } from "./planEngine";
import type { HostMessage, HostSettings } from "./programHost";

export const DEFAULT_PROGRAM_TIMEOUT_SECONDS = 300;

const HOST = path.join(__dirname, "programHost.ts");
/**
 * How the program's process starts. By default without what only a debugger needs: tsx stays off
 * node_modules and source maps off (`typescriptLoader.cjs`), and errors capture no stack frames, which
 * Pulumi's runtime otherwise captures and formats for every promise and every resource it creates
 * (read only with `PULUMI_DEBUG_PROMISE_LEAKS`, or by the CLI to show where a resource was
 * declared); the plan reports messages, never stacks. Alias URNs, which the SDK computes for every
 * resource and never reads under this engine, are computed on first read (`lazyAliasUrns.cjs`).
 * `AML_PLAN_DEBUG=1` keeps all of them as the SDK has them, to debug a program under the plan.
 */
export function programExecArgv(env: NodeJS.ProcessEnv = process.env): string[] {
  return env.AML_PLAN_DEBUG === "1"
    ? ["--require", PARENT_WATCH, "--require", require.resolve("tsx/cjs")]
    : ["--require", PARENT_WATCH, "--require", path.join(__dirname, "..", "typescriptLoader.cjs"), "--require", path.join(__dirname, "lazyAliasUrns.cjs"), "--stack-trace-limit=0"];
}

export interface ProgramProcessOptions {
  project: string;
  stack: string;
  projectDir: string;
  entryPoint: string;
  dryRun: boolean;
  config: Record<string, string>;
  secretKeys: string[];
  fakes: pulumi.runtime.Mocks;
  timeoutSeconds: number;
  /** called with the program process's pid as soon as it is spawned */
  onSpawn?: (pid: number) => void;
}

export interface ProgramProcessRun {
  resources: RecordedResource[];
  stackOutputs: Record<string, WireValue>;
  /** what the program logged or printed (its stdout and stderr included) */
  messages: LoggedMessage[];
}

/**
 * Runs the program in a process of its own, served by a `PlanEngine` in this one, as the CLI runs a
 * program. The program cannot reach the plan's report or verdict: what it prints is program output,
 * and the run counts only if the host reports completion with this run's nonce. An exit, an
 * uncaught error, a hang past the time limit or an error the engine raised is a `ProgramError`.
 */
export async function runProgramProcess(options: ProgramProcessOptions): Promise<ProgramProcessRun> {
  const engine = new PlanEngine({ project: options.project, stack: options.stack, fakes: options.fakes, projectDir: options.projectDir });
  const address = await engine.start();
  const nonce = randomBytes(24).toString("hex");
  const output: LoggedMessage[] = [];
  const phase = options.dryRun ? "preview" : "deploy";
  const failed = (reason: string): ProgramError =>
    new ProgramError(
      `the program of project '${options.project}' failed for stack '${options.stack}' (${phase} phase):\n` +
        [...new Set([reason, ...engine.failures, ...errorsLogged(engine.messages)])].map((line) => indent(line)).join("\n"),
    );

  const child = fork(HOST, [], {
    cwd: options.projectDir,
    execArgv: programExecArgv(),
    stdio: ["pipe", "pipe", "pipe", "ipc"],
    env: watchingThisProcess(withoutPulumiEngineVariables(process.env)),
    serialization: "advanced",
  });
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  const killOnExit = (): void => void child.kill("SIGKILL");
  process.on("exit", killOnExit);
  for (const [stream, severity] of [[child.stdout, "info"], [child.stderr, "warning"]] as const) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      for (const line of chunk.split("\n")) if (line.trim() !== "") output.push({ severity, message: line });
    });
  }

  try {
    await new Promise<HostMessage>((resolve, reject) => {
      let settled = false;
      const settle = (action: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        action();
      };
      const timer = setTimeout(
        () =>
          settle(() =>
            reject(
              failed(
                `the program did not finish within ${options.timeoutSeconds} s (--timeout); ` +
                  `${engine.resources.length} resources were registered, the last: ${engine.resources.at(-1)?.urn ?? "none"}`,
              ),
            ),
          ),
        options.timeoutSeconds * 1000,
      );
      child.on("message", (message: unknown) => {
        const host = message as Partial<HostMessage> | undefined;
        if (host?.nonce !== nonce) {
          settle(() => reject(failed("the program sent a message on the plan's control channel")));
        } else if (host.kind === "done") {
          settle(() => resolve(host as HostMessage));
        } else {
          settle(() => reject(failed((host as { message?: string }).message ?? "the program failed")));
        }
      });
      child.once("exit", (code, signal) =>
        settle(() =>
          reject(
            failed(
              `the program's process ended (${signal ? `signal ${signal}` : `exit code ${code}`}) before the program finished: ` +
                "a program must not call process.exit or end its process",
            ),
          ),
        ),
      );
      child.once("error", (error) => settle(() => reject(failed(error.message))));
      const settings: HostSettings = {
        nonce,
        monitor: address,
        engine: address,
        project: options.project,
        stack: options.stack,
        dryRun: options.dryRun,
        projectDir: options.projectDir,
        entryPoint: options.entryPoint,
        config: options.config,
        secretKeys: options.secretKeys,
      };
      child.send(settings);
    });

    const errors = [...engine.failures, ...errorsLogged(engine.messages)];
    if (errors.length > 0) throw failed(errors[0]!);
    const stackOutputs = engine.stackOutputs;
    if (!stackOutputs) throw failed("the program finished without registering its stack outputs");
    return {
      resources: engine.resources,
      stackOutputs,
      messages: [...output, ...engine.messages],
    };
  } finally {
    process.off("exit", killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    engine.stop();
  }
}

function errorsLogged(messages: LoggedMessage[]): string[] {
  return messages.filter((m) => m.severity === "error").map((m) => m.message.trim());
}

/** The program must reach only this plan's engine, never one this process may have been given. */
function withoutPulumiEngineVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith("PULUMI_NODEJS_") && key !== "PULUMI_CONFIG"));
}
