/**
 * Starting a program's host process (`programHost.ts`). Kept light (no gRPC, no SDK): the plan's
 * command starts one before it loads the plan's modules, so that the host loads the SDK while the
 * plan loads its own; the first program session takes it.
 */
import { fork, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { EarlyChild } from "../earlyChild";
import { ENGINE_CHANNEL_FD, ENGINE_CHANNEL_VARIABLE } from "./engineChannel";
import { PARENT_WATCH, watchingThisProcess } from "./watchedChildren";

const HOST = path.join(__dirname, "programHost.ts");

/**
 * The heap grows by a fifth over what the last full collection kept, not by V8's default of up to
 * several times: a program registers every resource at once and most of what that allocates is
 * garbage soon. With the default a stack of 1,000 services peaked at 1.8 GiB, with this at 0.8 GiB,
 * for about a fifth more time at that size and none on a small stack.
 */
const HEAP_GROWTH = "--heap-growing-percent=20";
const { YOUNG_GENERATION_FLAGS } = require("../youngGeneration.cjs") as { YOUNG_GENERATION_FLAGS: string[] };

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
    ? ["--require", PARENT_WATCH, "--require", require.resolve("tsx/cjs"), HEAP_GROWTH, ...YOUNG_GENERATION_FLAGS]
    : ["--require", PARENT_WATCH, "--require", path.join(__dirname, "..", "typescriptLoader.cjs"), "--require", path.join(__dirname, "lazyAliasUrns.cjs"), "--stack-trace-limit=0", HEAP_GROWTH, ...YOUNG_GENERATION_FLAGS];
}

/**
 * A host process for the project in `projectDir`, waiting for its first run request. It starts in
 * that directory, as the CLI starts a program: tsx reads the project's tsconfig.json from there.
 */
export function forkProgramHost(projectDir: string): ChildProcess {
  return fork(HOST, [], {
    cwd: projectDir,
    execArgv: programExecArgv(),
    // fd 4: the engine channel (`engineChannel.ts`)
    stdio: ["pipe", "pipe", "pipe", "ipc", "pipe"],
    env: { ...watchingThisProcess(withoutPulumiEngineVariables(process.env)), [ENGINE_CHANNEL_VARIABLE]: String(ENGINE_CHANNEL_FD) },
    serialization: "advanced",
  });
}

const earlyHost = new EarlyChild();

/** Starts a host for the project in `projectDir` now, for the first program session to take. */
export function forkProgramHostEarly(projectDir: string): void {
  earlyHost.start(path.resolve(projectDir), () => forkProgramHost(path.resolve(projectDir)));
}

/** The host started early for `projectDir`, if it is still running; it is the caller's from now on. */
export function takeEarlyProgramHost(projectDir: string): ChildProcess | undefined {
  return earlyHost.take(path.resolve(projectDir));
}

/** The program must reach only this plan's engine, never one this process may have been given. */
function withoutPulumiEngineVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith("PULUMI_NODEJS_") && key !== "PULUMI_CONFIG"));
}
