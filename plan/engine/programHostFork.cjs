// @ts-check
"use strict";
// Starting a program's host process (`programHost.ts`). Plain CommonJS and light (no gRPC, no SDK):
// the plan's command starts one before it loads any TypeScript (`earlyStart.cjs`), so that the host
// loads the SDK while the plan loads its own modules; the first program session takes it.
const { fork } = require("node:child_process");
const path = require("node:path");
const { EarlyChild } = require("../earlyChild.cjs");
const { ENGINE_CHANNEL_FD, ENGINE_CHANNEL_VARIABLE } = require("./engineChannelFd.cjs");
const { PARENT_WATCH, watchingThisProcess } = require("./watchedChildren.cjs");
const { YOUNG_GENERATION_FLAGS } = require("../youngGeneration.cjs");

const HOST = path.join(__dirname, "programHost.ts");

/**
 * The heap grows by a fifth over what the last full collection kept, not by V8's default of up to
 * several times: a program registers every resource at once and most of what that allocates is
 * garbage soon. With the default a stack of 1,000 services peaked at 1.8 GiB, with this at 0.8 GiB,
 * for about a fifth more time at that size and none on a small stack.
 */
const HEAP_GROWTH = "--heap-growing-percent=20";
/** Preload: the program's TypeScript compiles as under the CLI's host (`programTypeScript.cjs`). */
const PROGRAM_TYPESCRIPT = path.join(__dirname, "programTypeScript.cjs");

/**
 * How the program's process starts. By default without what only a debugger needs: tsx stays off
 * node_modules and source maps off (`typescriptLoader.cjs`), and errors capture no stack frames, which
 * Pulumi's runtime otherwise captures and formats for every promise and every resource it creates
 * (read only with `PULUMI_DEBUG_PROMISE_LEAKS`, or by the CLI to show where a resource was
 * declared); the plan reports messages, never stacks. Alias URNs, which the SDK computes for every
 * resource and never reads under this engine, are computed on first read (`lazyAliasUrns.cjs`).
 * `AML_PLAN_DEBUG=1` keeps all of them as the SDK has them, to debug a program under the plan.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string[]}
 */
function programExecArgv(env = process.env) {
  return env.AML_PLAN_DEBUG === "1"
    ? ["--require", PARENT_WATCH, "--require", PROGRAM_TYPESCRIPT, "--require", require.resolve("tsx/cjs"), HEAP_GROWTH, ...YOUNG_GENERATION_FLAGS]
    : ["--require", PARENT_WATCH, "--require", PROGRAM_TYPESCRIPT, "--require", path.join(__dirname, "..", "typescriptLoader.cjs"), "--require", path.join(__dirname, "lazyAliasUrns.cjs"), "--stack-trace-limit=0", HEAP_GROWTH, ...YOUNG_GENERATION_FLAGS];
}

/**
 * A host process for the project in `projectDir`, waiting for its first run request. It starts in
 * that directory, as the CLI starts a program: tsx reads the project's tsconfig.json from there.
 * @param {string} projectDir
 * @returns {import("node:child_process").ChildProcess}
 */
function forkProgramHost(projectDir) {
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

/**
 * Starts a host for the project in `projectDir` now, for the first program session to take.
 * @param {string} projectDir
 */
function forkProgramHostEarly(projectDir) {
  earlyHost.start(path.resolve(projectDir), () => forkProgramHost(path.resolve(projectDir)));
}

/**
 * The host started early for `projectDir`, if it is still running; it is the caller's from now on.
 * @param {string} projectDir
 */
function takeEarlyProgramHost(projectDir) {
  return earlyHost.take(path.resolve(projectDir));
}

/**
 * The program must reach only this plan's engine, never one this process may have been given.
 * @param {NodeJS.ProcessEnv} env
 * @returns {NodeJS.ProcessEnv}
 */
function withoutPulumiEngineVariables(env) {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith("PULUMI_NODEJS_") && key !== "PULUMI_CONFIG"));
}

module.exports = { forkProgramHost, forkProgramHostEarly, takeEarlyProgramHost };
