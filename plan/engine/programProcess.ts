import type { ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import { randomBytes } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type { LoggedMessage } from "../mockRun";
import { indent, ProgramError } from "../planErrors";
import type { RecordedResource } from "../recordedResource";
import type { WireValue } from "../wireValues";
import { PlanEngine } from "./planEngine";
import { answerFrame, ENGINE_CHANNEL_FD, FrameReader } from "./engineChannel";
import { completionProof, requestProof, type HostMessage, type HostRequest, type HostSettings } from "./hostProtocol";
import { forkProgramHost, takeEarlyProgramHost } from "./programHostFork.cjs";

export const DEFAULT_PROGRAM_TIMEOUT_SECONDS = 300;

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

/** Runs the program once, in a process of its own. */
export async function runProgramProcess(options: ProgramProcessOptions): Promise<ProgramProcessRun> {
  const session = new ProgramSession();
  try {
    return await session.run(options);
  } finally {
    session.close();
  }
}

/** The program's process, while it can serve another run. */
interface HostProcess {
  child: ChildProcess;
  sessionKey: string;
  /** the run it serves: what it prints, and how its end settles that run */
  current?: { output: LoggedMessage[]; ended: (reason: string) => void };
  /** the engine of its latest run, which serves the SDK's calls on the engine channel */
  engine?: PlanEngine;
}

/**
 * Runs a program in a process of its own, served by a `PlanEngine` in this one, as the CLI runs a
 * program: one run at a time, each with an engine of its own. A process that completed a run serves
 * the next one when the program can run again in it (its own modules are evaluated afresh; see
 * `programHost.ts`); one that failed, or whose program loads ES modules of its own, is replaced.
 * The program cannot reach the plan's report or verdict: what it prints is program output, and a
 * run counts only if the host reports completion proven with the session key. An exit, an uncaught
 * error, a hang past the time limit or an error the engine raised is a `ProgramError`.
 */
export class ProgramSession {
  private host: HostProcess | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly killOnExit = (): void => this.close();

  /** Runs the program once, after the runs asked for before. */
  run(options: ProgramProcessOptions): Promise<ProgramProcessRun> {
    const result = this.queue.then(() => this.runNow(options));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Ends the program's process. */
  close(): void {
    const host = this.host;
    this.host = undefined;
    process.off("exit", this.killOnExit);
    if (host && host.child.exitCode === null && host.child.signalCode === null) host.child.kill("SIGKILL");
  }

  private spawnHost(options: ProgramProcessOptions): HostProcess {
    const child = takeEarlyProgramHost(options.projectDir) ?? forkProgramHost(options.projectDir);
    const host: HostProcess = { child, sessionKey: randomBytes(32).toString("hex") };
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    process.on("exit", this.killOnExit);
    for (const [stream, severity] of [[child.stdout, "info"], [child.stderr, "warning"]] as const) {
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => {
        for (const line of chunk.split("\n")) if (line.trim() !== "") host.current?.output.push({ severity, message: line });
      });
    }
    serveEngineChannel(host, () => {
      // as on the control channel: the run fails at once, and the process serves no other
      host.current?.ended("the program wrote on the plan's engine channel what is not an engine call");
      if (this.host === host) this.close();
    });
    child.once("exit", (code, signal) => {
      if (this.host === host) this.host = undefined;
      host.current?.ended(
        `the program's process ended (${signal ? `signal ${signal}` : `exit code ${code}`}) before the program finished: ` +
          "a program must not call process.exit, set a non-zero process.exitCode or otherwise end its process",
      );
    });
    child.once("error", (error) => host.current?.ended(error.message));
    return host;
  }

  private async runNow(options: ProgramProcessOptions): Promise<ProgramProcessRun> {
    const engine = new PlanEngine({ project: options.project, stack: options.stack, fakes: options.fakes, projectDir: options.projectDir });
    const address = await engine.start();
    const phase = options.dryRun ? "preview" : "deploy";
    const failed = (reason: string): ProgramError =>
      new ProgramError(
        `the program of project '${options.project}' failed for stack '${options.stack}' (${phase} phase):\n` +
          [...new Set([reason, ...engine.failures, ...errorsLogged(engine.messages)])].map((line) => indent(line)).join("\n"),
      );
    const firstRun = this.host === undefined;
    const host = (this.host ??= this.spawnHost(options));
    const output: LoggedMessage[] = [];
    const runId = randomBytes(16).toString("hex");
    let servesAgain = false;

    try {
      await new Promise<void>((resolve, reject) => {
        let settled = false;
        const settle = (action: () => void): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          host.child.off("message", onMessage);
          host.current = undefined;
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
        const onMessage = (message: unknown): void => {
          const reply = message as Partial<HostMessage> | undefined;
          const kind = reply?.kind === "done" || reply?.kind === "failed" ? reply.kind : undefined;
          if (!kind || reply?.runId !== runId || reply.proof !== completionProof(host.sessionKey, runId, kind)) {
            settle(() => reject(failed("the program sent a message on the plan's control channel")));
          } else if (kind === "done") {
            servesAgain = (reply as { canRunAgain?: unknown }).canRunAgain === true;
            settle(resolve);
          } else {
            settle(() => reject(failed((reply as { message?: string }).message ?? "the program failed")));
          }
        };
        host.current = { output, ended: (reason) => settle(() => reject(failed(reason))) };
        host.engine = engine;
        host.child.on("message", onMessage);
        const settings: HostSettings = {
          runId,
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
        const request: HostRequest = firstRun
          ? { settings, sessionKey: host.sessionKey }
          : { settings, proof: requestProof(host.sessionKey, runId) };
        host.child.send(request);
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
    } catch (error) {
      servesAgain = false;
      throw error;
    } finally {
      if (!servesAgain && this.host === host) this.close();
      engine.stop();
    }
  }
}

/**
 * Serves the SDK's calls on the host's engine channel with the engine of its latest run (stopped once
 * that run ended). Bytes that are not calls (the SDK sends nothing else) close the channel and are
 * `refused`: left to the program's calls, which would then wait for answers until the time limit.
 */
function serveEngineChannel(host: HostProcess, refused: () => void): void {
  const channel = host.child.stdio[ENGINE_CHANNEL_FD] as Socket | null | undefined;
  if (!channel) return;
  const reader = new FrameReader();
  channel.on("error", () => undefined); // the process's end is reported by its exit
  channel.on("data", (chunk: Buffer) => {
    let frames;
    try {
      frames = reader.push(chunk);
    } catch {
      frames = undefined;
    }
    if (!frames || frames.some((frame) => frame.kind !== "call")) {
      channel.destroy();
      return refused();
    }
    for (const frame of frames) {
      const engine = host.engine;
      if (frame.kind !== "call" || !engine) continue;
      void engine.serveCall(frame.path, frame.request).then((served) => {
        if (channel.writable) channel.write(answerFrame(frame.callId, served));
      });
    }
  });
}

function errorsLogged(messages: LoggedMessage[]): string[] {
  return messages.filter((m) => m.severity === "error").map((m) => m.message.trim());
}
