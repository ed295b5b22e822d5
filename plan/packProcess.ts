/**
 * Starting a policy pack's process. Kept light (no gRPC, no SDK): the plan's command starts the pack
 * before it loads the plan's modules, so that the pack loads while the plan does; the analyzer of
 * the same pack, started the same way, takes it (`PolicyAnalyzer.start`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import { EarlyChild } from "./earlyChild";
import { planCacheDir } from "./planCache";
import { PolicyPackError } from "./planErrors";
import { PARENT_WATCH, watchingThisProcess } from "./engine/watchedChildren";

/**
 * `compiled`: the pack type-checked and compiled once per content, then started from the cache
 * (`compiledPackHost.cjs`); `run-policy-pack`: exactly as the CLI starts it, ts-node type-checking
 * the pack on every start.
 */
export type PackStart = "compiled" | "run-policy-pack";

export interface PackProcessOptions {
  packDir: string;
  start: PackStart;
  /** where compiled packs are cached */
  cacheDir: string;
}

/**
 * The engine's address that the CLI passes as the first argument. `run-policy-pack` drops that
 * argument without reading it (the pack logs to its own stdout/stderr, which the CLI collects), so
 * no engine service is needed: this is a placeholder that nothing connects to.
 */
const UNUSED_ENGINE_ADDRESS = "127.0.0.1:0";

const COMPILED_PACK_HOST = path.join(__dirname, "compiledPackHost.cjs");

/** `AML_PLAN_PACK_START=run-policy-pack` selects the CLI's own start, anything else the compiled one. */
export function packStartFromEnvironment(env: NodeJS.ProcessEnv = process.env): PackStart {
  return env.AML_PLAN_PACK_START === "run-policy-pack" ? "run-policy-pack" : "compiled";
}

/** Where compiled policy packs are cached unless told otherwise. */
export function defaultPackCacheDir(): string {
  return path.join(planCacheDir(), "policy-packs");
}

/** `@pulumi/pulumi` as the pack resolves it, falling back to this package's. */
function pulumiSdkDir(packDir: string): string {
  for (const from of [path.join(packDir, "__pack__.js"), __filename]) {
    try {
      return path.dirname(createRequire(from).resolve("@pulumi/pulumi/package.json"));
    } catch {
      // try the next location
    }
  }
  throw new PolicyPackError(`cannot resolve @pulumi/pulumi for the policy pack in ${packDir}`);
}

const { YOUNG_GENERATION_FLAGS } = require("./youngGeneration.cjs") as { YOUNG_GENERATION_FLAGS: string[] };

/**
 * V8 settings of a compiled pack's process (`AML_PLAN_PACK_FLAGS` replaces them). No stack frames: a
 * policy that does not apply to a resource answers by throwing, so most `Analyze` calls capture a
 * stack nobody reads (the plan reports messages only; `AML_PLAN_DEBUG=1` keeps them).
 */
function packRuntimeFlags(): string[] {
  if (process.env.AML_PLAN_PACK_FLAGS !== undefined) return process.env.AML_PLAN_PACK_FLAGS.split(" ").filter(Boolean);
  return process.env.AML_PLAN_DEBUG === "1" ? YOUNG_GENERATION_FLAGS : ["--stack-trace-limit=0", ...YOUNG_GENERATION_FLAGS];
}

/** The pack's process, in the pack's directory; it prints its port on stdout when it serves. */
export function spawnPackProcess({ packDir, start, cacheDir }: PackProcessOptions): ChildProcess {
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

/** What makes two starts of a pack the same: its directory, how it starts, its cache and V8's flags. */
const keyOf = (options: PackProcessOptions): string =>
  JSON.stringify([path.resolve(options.packDir), options.start, path.resolve(options.cacheDir), packRuntimeFlags()]);

/** Starts the pack now, for the first analyzer of the same pack, started the same way, to take. */
export function spawnPackEarly(options: PackProcessOptions): ChildProcess | undefined {
  return earlyPack.start(keyOf(options), () => spawnPackProcess(options));
}

/** The pack started early, if it was started with `options` and still runs; the caller's from now on. */
export function takeEarlyPack(options: PackProcessOptions): ChildProcess | undefined {
  return earlyPack.take(keyOf(options));
}
