// @ts-check
"use strict";
// Starting a policy pack's process. Plain CommonJS and light (no gRPC, no SDK): the plan's command
// starts the pack before it loads any TypeScript (`earlyStart.cjs`), so that the pack loads while the
// plan does; the analyzer of the same pack, started the same way, takes it (`PolicyAnalyzer.start`).
const { spawn } = require("node:child_process");
const { createRequire } = require("node:module");
const path = require("node:path");
const { EarlyChild } = require("./earlyChild.cjs");
const { planCacheDir } = require("./planCacheDir.cjs");
const { PARENT_WATCH, watchingThisProcess } = require("./engine/watchedChildren.cjs");
const { YOUNG_GENERATION_FLAGS } = require("./youngGeneration.cjs");

/**
 * `compiled`: the pack type-checked and compiled once per content, then started from the cache
 * (`compiledPackHost.cjs`); `run-policy-pack`: exactly as the CLI starts it, ts-node type-checking
 * the pack on every start.
 * @typedef {"compiled" | "run-policy-pack"} PackStart
 */

/**
 * @typedef {object} PackProcessOptions
 * @property {string} packDir
 * @property {PackStart} start
 * @property {string} cacheDir where compiled packs are cached
 */

/**
 * The engine's address that the CLI passes as the first argument. `run-policy-pack` drops that
 * argument without reading it (the pack logs to its own stdout/stderr, which the CLI collects), so
 * no engine service is needed: this is a placeholder that nothing connects to.
 */
const UNUSED_ENGINE_ADDRESS = "127.0.0.1:0";

const COMPILED_PACK_HOST = path.join(__dirname, "compiledPackHost.cjs");

/**
 * `AML_PLAN_PACK_START=run-policy-pack` selects the CLI's own start, anything else the compiled one.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {PackStart}
 */
function packStartFromEnvironment(env = process.env) {
  return env.AML_PLAN_PACK_START === "run-policy-pack" ? "run-policy-pack" : "compiled";
}

/**
 * Where compiled policy packs are cached unless told otherwise.
 * @returns {string}
 */
function defaultPackCacheDir() {
  return path.join(planCacheDir(), "policy-packs");
}

/**
 * `@pulumi/pulumi` as the pack resolves it, falling back to this package's.
 * @param {string} packDir
 * @returns {string}
 */
function pulumiSdkDir(packDir) {
  for (const from of [path.join(packDir, "__pack__.js"), __filename]) {
    try {
      return path.dirname(createRequire(from).resolve("@pulumi/pulumi/package.json"));
    } catch {
      // try the next location
    }
  }
  throw new Error(`cannot resolve @pulumi/pulumi for the policy pack in ${packDir}`);
}

/**
 * V8 settings of a compiled pack's process (`AML_PLAN_PACK_FLAGS` replaces them). No stack frames: a
 * policy that does not apply to a resource answers by throwing, so most `Analyze` calls capture a
 * stack nobody reads (the plan reports messages only; `AML_PLAN_DEBUG=1` keeps them).
 * @returns {string[]}
 */
function packRuntimeFlags() {
  if (process.env.AML_PLAN_PACK_FLAGS !== undefined) return process.env.AML_PLAN_PACK_FLAGS.split(" ").filter(Boolean);
  return process.env.AML_PLAN_DEBUG === "1" ? YOUNG_GENERATION_FLAGS : ["--stack-trace-limit=0", ...YOUNG_GENERATION_FLAGS];
}

/**
 * The pack's process, in the pack's directory; it prints its port on stdout when it serves. Throws
 * when the pack has no `@pulumi/pulumi` to start it with.
 * @param {PackProcessOptions} options
 * @returns {import("node:child_process").ChildProcess}
 */
function spawnPackProcess({ packDir, start, cacheDir }) {
  const runPolicyPack = path.join(pulumiSdkDir(packDir), "cmd", "run-policy-pack");
  const env = { ...process.env };
  // Never let the pack reach an engine or monitor this process may have been given.
  for (const key of Object.keys(env)) if (key.startsWith("PULUMI_NODEJS_")) delete env[key];
  const args = start === "compiled" ? [...packRuntimeFlags(), COMPILED_PACK_HOST, runPolicyPack, cacheDir] : [runPolicyPack, UNUSED_ENGINE_ADDRESS, "."];
  return spawn(process.execPath, ["--require", PARENT_WATCH, ...args], {
    cwd: packDir,
    env: watchingThisProcess(env),
    // stdin stays open for the parent watch: the pack dies with this process, SIGKILL included
    stdio: ["pipe", "pipe", "pipe"],
  });
}

const earlyPack = new EarlyChild();

/**
 * What makes two starts of a pack the same: its directory, how it starts, its cache and V8's flags.
 * @param {PackProcessOptions} options
 */
const keyOf = (options) => JSON.stringify([path.resolve(options.packDir), options.start, path.resolve(options.cacheDir), packRuntimeFlags()]);

/**
 * Starts the pack now, for the first analyzer of the same pack, started the same way, to take.
 * @param {PackProcessOptions} options
 */
function spawnPackEarly(options) {
  return earlyPack.start(keyOf(options), () => spawnPackProcess(options));
}

/**
 * The pack started early, if it was started with `options` and still runs; the caller's from now on.
 * @param {PackProcessOptions} options
 */
function takeEarlyPack(options) {
  return earlyPack.take(keyOf(options));
}

module.exports = { packStartFromEnvironment, defaultPackCacheDir, spawnPackProcess, spawnPackEarly, takeEarlyPack };
