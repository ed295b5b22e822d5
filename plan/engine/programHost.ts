/**
 * The language host of the offline plan: runs a Pulumi program in this process, connected to the
 * plan's engine as the CLI's Node.js host connects it, except that the SDK's unary calls take a pipe
 * of their own instead of gRPC over HTTP/2 (`engineChannelClients.ts`). Started by
 * `programProcess.ts`, which sends run requests over IPC, one at a time, and keeps the report to itself.
 *
 * A process serves several runs (the preview and the deployment of each stack planned) when the
 * program can run again in it: the SDK's options and config are reset as the Automation API resets
 * them between runs of an inline program, and the program's own modules (every module outside
 * node_modules) are evaluated afresh. Modules under node_modules load once.
 *
 * Only a completion message proven with the session key counts as "the program finished": the key
 * arrives with the first request, before any program code loads, and later requests carry a proof
 * made with it instead. A program that exits, throws or hangs never produces one, and one that
 * overhears or fakes a request can neither complete a run nor start one.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Socket } from "node:net";
import * as path from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
// enabled by typescriptLoader.cjs; without it (AML_PLAN_DEBUG=1) there is nothing to save
import { saveCodeCache } from "../codeCache.cjs";
import { ENGINE_CHANNEL_FD, ENGINE_CHANNEL_VARIABLE } from "./engineChannel";
import { EngineChannelClients } from "./engineChannelClients";
import { completionProof, requestProof, type HostMessage, type HostRequest, type HostSettings } from "./hostProtocol";
import { watchProgramLoop } from "./programIdle";

// Kept before the program loads: a program that replaces process.send cannot forge or drop ours, nor
// end its run early by replacing what tells whether it is idle.
const sendToPlan = process.send?.bind(process);
const planChannel = process.channel;
/** the SDK's calls to the engine, over the channel the plan opened as fd 4; none when it did not */
const engineClients = engineChannel();
// set for tsx by programTypeScript.cjs, read once loaded: the plan's, not the program's environment
delete process.env.TSX_TSCONFIG_PATH;
const environmentAtStart = { ...process.env };
/** this host's own modules, which are not the program's */
const HOST_DIR = path.resolve(__dirname, "..");
const DEPENDENCY = `${path.sep}node_modules${path.sep}`;

/**
 * A full garbage collection, run between two runs once the heap holds more than
 * `COLLECT_BETWEEN_RUNS_ABOVE`: the next run starts from what the process holds, not on top of the
 * last run's garbage (the peak memory of one run, not of two). Below that the peak is small anyway
 * and the collection (some 25 ms on the dev stack, between its preview and its deployment) would be
 * all cost. The program's own context gets no `gc`.
 */
const COLLECT_BETWEEN_RUNS_ABOVE = 64 * 1024 * 1024;
const collectGarbage = ((): (() => void) => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  // V8's flags as they were: code cached by this process stays valid for the next one
  setFlagsFromString("--no-expose-gc");
  return gc;
})();

let sessionKey: string | undefined;
/** the SDK the program's runs use, once the first has started */
let pulumi: typeof import("@pulumi/pulumi") | undefined;
let currentRun: string | undefined;
const TYPESCRIPT_LOADER = path.join(HOST_DIR, "typescriptLoader.cjs");

/** The SDK loaded while the host waited for its first run, and the file it was loaded from. */
let sdkLoadedEarly: { file: string; sdk: typeof import("@pulumi/pulumi") } | undefined;

/**
 * The SDK loads while the host waits for its first run when the project's `@pulumi/pulumi` is the
 * plan's own file: trusted code, which the plan and the policy pack load as well. Both are resolved
 * as Node.js resolves them: the plan's TypeScript loader keeps Node.js's resolution, never the
 * project's tsconfig.json `paths`. A project with an SDK of its own loads it once a run has started,
 * after the policy pack has loaded its code. Loading the SDK creates no state a run reads: its
 * settings store is made on first use, after the run's environment is set. Without the plan's
 * TypeScript loader (`AML_PLAN_DEBUG=1`: plain tsx, whose resolution applies `paths`) nothing loads early.
 */
function loadTrustedSdkEarly(): void {
  if (pulumi !== undefined || currentRun !== undefined || !require.cache[TYPESCRIPT_LOADER]) return;
  try {
    const projectSdk = createRequire(path.join(process.cwd(), "__plan__.js")).resolve("@pulumi/pulumi");
    if (projectSdk !== require.resolve("@pulumi/pulumi")) return;
    sdkLoadedEarly = { file: projectSdk, sdk: require(projectSdk) as typeof import("@pulumi/pulumi") };
  } catch {
    // the first run loads it, and reports what fails
  }
}
setImmediate(loadTrustedSdkEarly);

function report(message: HostMessage, then: () => void = () => undefined): void {
  if (!sendToPlan) return then();
  sendToPlan(message, undefined, undefined, () => then());
}

function fail(error: unknown): void {
  if (!sessionKey || !currentRun) return process.exit(1);
  const runId = currentRun;
  currentRun = undefined;
  report({ runId, kind: "failed", proof: completionProof(sessionKey, runId, "failed"), message: errorText(error) }, () => process.exit(1));
}

const runsServed = new Set<string>();

// A request counts only from the plan: the first carries the key, the next ones a proof made with it,
// each for a run not served yet. Anything else (a program emitting "message" itself) is ignored.
process.on("message", (request: HostRequest) => {
  if (currentRun !== undefined) return; // the plan sends a request only once the run before is done
  const runId = request?.settings?.runId;
  if (typeof runId !== "string" || runsServed.has(runId)) return;
  if (sessionKey === undefined) {
    if (typeof request.sessionKey !== "string") return process.exit(1);
    sessionKey = request.sessionKey;
  } else if (request.proof !== requestProof(sessionKey, runId)) {
    return;
  }
  runsServed.add(runId);
  currentRun = runId;
  void run(request.settings);
});

async function run(settings: HostSettings): Promise<void> {
  setRunEnvironment(settings);
  process.chdir(settings.projectDir);
  const projectRequire = createRequire(path.join(settings.projectDir, "__plan__.js"));

  try {
    if (pulumi === undefined) {
      process.on("uncaughtException", fail);
      process.on("unhandledRejection", fail);
      let pulumiPath: string;
      try {
        pulumiPath = projectRequire.resolve("@pulumi/pulumi");
      } catch {
        return fail(`cannot resolve @pulumi/pulumi from ${settings.projectDir}: install the project's dependencies`);
      }
      // the SDK the program imports, as the program resolves it, whatever loaded early
      pulumi = sdkLoadedEarly?.file === pulumiPath ? sdkLoadedEarly.sdk : (projectRequire(pulumiPath) as typeof import("@pulumi/pulumi"));
      sdkLoadedEarly = undefined;
      engineClients?.install(pulumiPath);
    } else {
      resetForAnotherRun(pulumi, settings);
    }
    const programLoop = watchProgramLoop();
    // As the CLI's Node.js host: the module's exports are the stack outputs; an exported
    // function is called (and awaited) and its result is the stack outputs.
    await pulumi.runtime.runInPulumiStack(async () => {
      const exported = projectRequire(settings.entryPoint) as unknown;
      return exported instanceof Function ? await (exported as () => unknown)() : exported;
    });
    await programLoop.untilEmptied(planChannel);
    await pulumi.runtime.disconnect();
  } catch (error) {
    return fail(error);
  }
  if (currentRun !== settings.runId || !sessionKey) return;
  const again = canRunAgain();
  saveCodeCache();
  currentRun = undefined;
  report({ runId: settings.runId, kind: "done", proof: completionProof(sessionKey, settings.runId, "done"), canRunAgain: again });
  // after the report, which the plan need not wait for: a next request is read once this is done
  if (again) {
    unloadProgramModules();
    if (process.memoryUsage().heapUsed > COLLECT_BETWEEN_RUNS_ABOVE) collectGarbage();
  }
}

function engineChannel(): EngineChannelClients | undefined {
  // only where the plan says fd 4 is the channel: in a process started otherwise it can be libuv's own
  const given = process.env[ENGINE_CHANNEL_VARIABLE];
  delete process.env[ENGINE_CHANNEL_VARIABLE];
  if (given !== String(ENGINE_CHANNEL_FD)) return undefined;
  let socket: Socket;
  try {
    // no fstat to check first: on Node.js 20, fstat of a pipe makes the next module resolution keep a symlinked path
    socket = new Socket({ fd: ENGINE_CHANNEL_FD, readable: true, writable: true });
  } catch {
    return undefined; // not a socket after all: calls go over gRPC
  }
  socket.unref(); // alive only while a call waits for its answer (EngineChannelClients), as a gRPC call
  return new EngineChannelClients(socket);
}

/** The environment the CLI gives a program: the one this process started with, and the run's settings. */
function setRunEnvironment(settings: HostSettings): void {
  for (const key of Object.keys(process.env)) if (!(key in environmentAtStart)) delete process.env[key];
  Object.assign(process.env, environmentAtStart, {
    PULUMI_NODEJS_MONITOR: settings.monitor,
    PULUMI_NODEJS_ENGINE: settings.engine,
    PULUMI_NODEJS_PROJECT: settings.project,
    PULUMI_NODEJS_STACK: settings.stack,
    PULUMI_NODEJS_DRY_RUN: String(settings.dryRun),
    PULUMI_NODEJS_PARALLEL: String(PARALLEL),
    PULUMI_NODEJS_ROOT_DIRECTORY: settings.projectDir,
    PULUMI_CONFIG: JSON.stringify(settings.config),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(settings.secretKeys),
    ...(settings.organization ? { PULUMI_NODEJS_ORGANIZATION: settings.organization } : {}),
  });
  if (!settings.organization) delete process.env.PULUMI_NODEJS_ORGANIZATION;
}

const PARALLEL = 16;

/** As the Automation API before each run of an inline program, and the program's modules unloaded. */
function resetForAnotherRun(sdk: typeof import("@pulumi/pulumi"), settings: HostSettings): void {
  const { runtime } = sdk;
  runtime.resetOptions(settings.project, settings.stack, PARALLEL, settings.engine, settings.monitor, settings.dryRun, settings.organization ?? "");
  runtime.setAllConfig(settings.config, settings.secretKeys);
  unloadProgramModules();
}

/** The program's modules are evaluated afresh when next required. */
function unloadProgramModules(): void {
  for (const file of programModules()) delete require.cache[file];
}

/** the modules loaded from outside node_modules, this host's own excepted */
function programModules(): string[] {
  return Object.keys(require.cache).filter((file) => !file.includes(DEPENDENCY) && !file.startsWith(HOST_DIR + path.sep));
}

/**
 * Whether evaluating the program's modules afresh runs the program again. ES modules stay loaded
 * once loaded (`import()`, `.mjs`), so a program that may load one of its own runs in a new process.
 */
function canRunAgain(): boolean {
  return programModules().every((file) => {
    if (/\.m[jt]s$/.test(file)) return false;
    try {
      return !/(^|[^\w$.])import\s*\(/m.test(readFileSync(file, "utf8").replace(/typeof\s+import\s*\(/g, ""));
    } catch {
      return false;
    }
  });
}

function errorText(error: unknown): string {
  if (typeof error === "string") return error;
  if (error instanceof Error) {
    const named = error.name && error.name !== "Error" && !error.message.startsWith(error.name);
    return named ? `${error.name}: ${error.message}` : error.message || error.name;
  }
  return String(error);
}
