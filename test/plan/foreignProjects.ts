// Tiny Pulumi TypeScript projects written as a foreign team would write them, generated into
// temporary directories, and what it takes to watch the processes a plan of them starts.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { BIN, isAlive, makeTempDir, ROOT, type CliResult } from "./helpers";

export const FOREIGN_PROJECT = "foreign-ml";
export const FOREIGN_STACK = "ci";

/** A stack with no pack config file: the pack's default levels (the auth rules are mandatory). */
const STACK_FILE = "config:\n  azure-native:location: westeurope\n";

const PROJECT_FILE = `name: ${FOREIGN_PROJECT}\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n`;

/** The files of a project whose program is `program`: Pulumi.yaml, Pulumi.ci.yaml, index.ts. */
export function foreignProjectFiles(program: string): Record<string, string> {
  return { "Pulumi.yaml": PROJECT_FILE, [`Pulumi.${FOREIGN_STACK}.yaml`]: STACK_FILE, "index.ts": program };
}

/** A project directory (Pulumi.yaml, Pulumi.ci.yaml, index.ts) whose program is `program`. */
export function foreignProject(program: string): string {
  return makeTempDir(foreignProjectFiles(program), "aml-foreign-");
}

/**
 * A project whose stacks each run a program of their own (`programs[stack]`, as `programs/<stack>.ts`,
 * which index.ts loads for the stack being run): several programs in one multi-stack plan.
 */
export function foreignProjectOfStacks(programs: Record<string, string>): string {
  const files: Record<string, string> = {
    "Pulumi.yaml": PROJECT_FILE,
    "index.ts": `import * as pulumi from "@pulumi/pulumi";\nmodule.exports = require(\`./programs/\${pulumi.getStack()}\`);\n`,
  };
  for (const [stack, source] of Object.entries(programs)) {
    files[`Pulumi.${stack}.yaml`] = STACK_FILE;
    files[`programs/${stack}.ts`] = source;
  }
  return makeTempDir(files, "aml-foreign-");
}

export const IMPORTS = [
  `import * as pulumi from "@pulumi/pulumi";`,
  `import { Compute, OnlineEndpoint, Workspace } from "@pulumi/azure-native/machinelearningservices";`,
  `import { ManagedCluster } from "@pulumi/azure-native/containerservice";`,
  `import { ResourceGroup } from "@pulumi/azure-native/resources";`,
].join("\n");

/**
 * A workspace and an endpoint that also sets initial keys, whose auth mode is the TypeScript
 * expression `authMode`, as statements a callback can hold. With AMLToken: ml-endpoint-auth-exclusive,
 * mandatory.
 */
export function endpointWithKeysStatements(authMode: string): string {
  return `
const workspace = new Workspace("ws", { resourceGroupName: "rg-foreign", workspaceName: "mlw-foreign", location: "westeurope" });
const endpoint = new OnlineEndpoint("ep", {
  resourceGroupName: "rg-foreign",
  workspaceName: workspace.name,
  endpointName: "ep-foreign",
  location: "westeurope",
  properties: { authMode: ${authMode}, keys: { primaryKey: "0000-not-a-real-key-0000" } },
});
`;
}

/** A workspace and an AMLToken endpoint that also sets initial keys, as statements a callback can hold. */
export const TOKEN_ENDPOINT_WITH_KEYS_STATEMENTS = endpointWithKeysStatements(`"AMLToken"`);

/** The same, with the endpoint's name as a stack output. */
export const TOKEN_ENDPOINT_WITH_KEYS = `${TOKEN_ENDPOINT_WITH_KEYS_STATEMENTS}export const endpointName = endpoint.name;\n`;

/** A resource group and nothing to check. */
export const CLEAN_STACK = `
export const groupName = new ResourceGroup("rg", { resourceGroupName: "rg-foreign", location: "westeurope" }).name;
`;

/** A resource whose input resolves only after 1.5 s: the program is still running when early timers fire. */
export const SLOW_RESOURCE = `
const slowLocation = new Promise<string>((resolve) => setTimeout(() => resolve("westeurope"), 1500));
export const slowGroup = new ResourceGroup("slow-rg", { resourceGroupName: "rg-slow", location: slowLocation }).name;
`;

/** A resource whose input never resolves, in a process kept alive: the program hangs. */
export const HANGING_RESOURCE = `
setInterval(() => undefined, 1000);
export const hangingGroup = new ResourceGroup("hanging-rg", { resourceGroupName: "rg-hang", location: new Promise<string>(() => undefined) }).name;
`;

/** A program that never yields its thread; it leaves a `looping-<pid>` file in its directory first. */
export const BUSY_LOOP = `
require("node:fs").writeFileSync(\`looping-\${process.pid}\`, "");
for (;;) {}
`;

export function program(...parts: string[]): string {
  return [IMPORTS, ...parts].join("\n");
}

/** `node bin/aml-webservices.js <args>`, with its process to watch or signal. */
export function startCli(args: string[]): { child: ChildProcess; result: Promise<CliResult & { signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const result = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, result };
}

/** A process the plan started, as /proc shows it. */
export interface PlanChild {
  pid: number;
  /** its command line, arguments joined by spaces */
  command: string;
}

/** Parent of every live process (not a zombie), from one pass over /proc (Linux). */
function liveParents(): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // the command name in parentheses may hold spaces: the state and parent pid follow its closing one
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state !== "Z") parentOf.set(Number(entry), Number(ppid));
    } catch {
      // gone meanwhile
    }
  }
  return parentOf;
}

/** Live descendants of `root` in a process table from `liveParents`. */
function descendantsIn(parentOf: Map<number, number>, root: number): PlanChild[] {
  const found: PlanChild[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [pid, ppid] of parentOf) {
      if (ppid !== parent) continue;
      frontier.push(pid);
      try {
        found.push({ pid, command: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim() });
      } catch {
        // gone meanwhile
      }
    }
  }
  return found;
}

/** Live descendants of `root` (Linux /proc). */
export function descendantsOf(root: number): PlanChild[] {
  return descendantsIn(liveParents(), root);
}

/** Starts watching this process's descendants: the ones started since, optionally of one kind. */
export function descendantsStartedFromNow(): (kind?: (child: PlanChild) => boolean) => PlanChild[] {
  const before = new Set(descendantsOf(process.pid).map((child) => child.pid));
  return (kind = () => true) => descendantsOf(process.pid).filter((child) => !before.has(child.pid) && kind(child));
}

export const isProgramHost = (child: PlanChild): boolean => child.command.includes("programHost");
export const isAnalyzer = (child: PlanChild): boolean => child.command.includes("run-policy-pack");

/** What every watch does with one pass over /proc; one timer scans for all of them. */
const watches = new Set<(parentOf: Map<number, number>) => void>();
let scanTimer: NodeJS.Timeout | undefined;

function scanForWatches(): void {
  const parentOf = liveParents();
  for (const watch of watches) watch(parentOf);
}

/**
 * Records every descendant of `root` seen while it runs (/proc scanned every 25 ms, one scan for all
 * the watches in flight), so that a test can check afterwards that none outlived it.
 */
export function watchDescendants(root: number): { seen: Map<number, PlanChild>; stop: () => PlanChild[] } {
  const seen = new Map<number, PlanChild>();
  const record = (parentOf: Map<number, number>): void => {
    // the latest command line: right after a fork it is still the parent's, until the child execs
    for (const child of descendantsIn(parentOf, root)) if (child.command !== "") seen.set(child.pid, child);
  };
  record(liveParents());
  watches.add(record);
  scanTimer ??= setInterval(scanForWatches, 25);
  return {
    seen,
    stop: () => {
      watches.delete(record);
      if (watches.size === 0) {
        clearInterval(scanTimer);
        scanTimer = undefined;
      }
      return [...seen.values()];
    },
  };
}

/** Waits until `predicate` holds, polling; throws after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The pids among `children` still alive after `graceMs` (a process needs a moment to die). */
export function survivors(children: PlanChild[], graceMs = 15_000): Promise<PlanChild[]> {
  return settled(() => children.filter((child) => isAlive(child.pid)), graceMs);
}

/** `list()` once it is empty, or its last value after `graceMs`. */
export async function settled<T>(list: () => T[], graceMs = 15_000): Promise<T[]> {
  const deadline = Date.now() + graceMs;
  let items = list();
  while (items.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    items = list();
  }
  return items;
}
