import { afterAll } from "vitest";
import type { RecordedResource } from "../../plan/recordedResource";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { CommandRun } from "../harness/commandRun";

export const ROOT = path.resolve(__dirname, "..", "..");
export const BIN = path.join(ROOT, "bin", "aml-webservices.js");
export const FIXTURES = path.join(ROOT, "test", "fixtures");
export const LEGACY_PROJECT = path.join(FIXTURES, "legacy-project");
export const MINIMAL_PACK = path.join(FIXTURES, "minimal-pack");
export const REAL_PACK = path.join(ROOT, "policies");

/** Plaintexts the legacy fixture treats as secret; none may appear in any report. */
export const LEGACY_SECRETS = [
  "secure-placeholder-legacy-ml:endpointPrimaryKey",
  "secure-placeholder-legacy-ml:aks.serviceKey",
  "fixture-literal-secret-7Q2w9",
  // the fixture's secret ciphertexts must not be echoed either
  "bm90LWEtcmVhbC1jaXBoZXJ0ZXh0",
  "YWxzby1ub3QtcmVhbA==",
];

/** What the CLI ended with, as any command run ends. */
export type CliResult = CommandRun;

/**
 * CLI runs of one test file in flight at once. A plan is three processes (the CLI, the policy pack,
 * the program): more than two plans at once on a 2-core machine only make each one slower.
 */
const CLI_RUNS_IN_FLIGHT = 2;
let cliRunsInFlight = 0;
const waitingCliRuns: Array<() => void> = [];

/** where the CLI runs, with what added to its environment, and which copy of it (`bin/aml-webservices.js`) */
export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  bin?: string;
}

/** Runs `node bin/aml-webservices.js <args>` as a child process (at most two at once per file). */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  // a finished run hands its slot to the next waiting one
  if (cliRunsInFlight >= CLI_RUNS_IN_FLIGHT) await new Promise<void>((resolve) => waitingCliRuns.push(resolve));
  else cliRunsInFlight++;
  try {
    return await spawnCli(args, options);
  } finally {
    const next = waitingCliRuns.shift();
    if (next) next();
    else cliRunsInFlight--;
  }
}

function spawnCli(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Whether a process with this pid exists (and is not a zombie). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return true;
  }
}

/** Pids of live processes whose working directory is `dir` (Linux /proc): a pack left running. */
export function processesRunningIn(dir: string): number[] {
  if (!existsSync("/proc")) return [];
  const target = realpathSync(dir);
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === target && isAlive(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone, or not ours to inspect
    }
  }
  return pids;
}

/**
 * A throwaway policy pack (or project) directory with `node_modules` linked to this repository's,
 * so it resolves @pulumi/policy and @pulumi/pulumi like a pack in the repository does.
 */
export function makeTempDir(files: Record<string, string>, prefix = "aml-plan-test-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export const PACK_SCAFFOLD = {
  "PulumiPolicy.yaml": "runtime: nodejs\ndescription: test pack\n",
  "package.json": JSON.stringify({ name: "temp-pack", version: "0.0.1", private: true }),
  "tsconfig.json": JSON.stringify({
    compilerOptions: { strict: true, target: "ES2022", lib: ["ES2022"], module: "nodenext", moduleResolution: "nodenext", types: ["node"], skipLibCheck: true },
    files: ["index.ts"],
  }),
};

/** A pack whose TypeScript does not compile. */
export function packWithTypeError(): string {
  return makeTempDir({
    ...PACK_SCAFFOLD,
    "index.ts": `import { PolicyPack } from "@pulumi/policy";\nconst count: number = "not a number";\nnew PolicyPack("broken-pack", { policies: [] });\nexport { count };\n`,
  });
}

/** A pack that throws while loading, before it prints a port. */
export function packThatCrashes(): string {
  return makeTempDir({
    ...PACK_SCAFFOLD,
    "index.ts": `throw new Error("pack exploded while loading");\n`,
  });
}

/** A pack that never serves (it never constructs a PolicyPack) and stays alive. */
export function packThatHangs(): string {
  return makeTempDir({
    ...PACK_SCAFFOLD,
    "index.ts": `setInterval(() => undefined, 1000);\n`,
  });
}

/** A pack whose resource policy throws on the first resource it analyzes. */
export function packThatFailsWhileAnalyzing(): string {
  return makeTempDir({
    ...PACK_SCAFFOLD,
    "index.ts": [
      `import { PolicyPack } from "@pulumi/policy";`,
      `new PolicyPack("failing-pack", { policies: [{`,
      `  name: "explodes", description: "throws", enforcementLevel: "mandatory",`,
      `  validateResource: () => { throw new Error("policy exploded on purpose"); },`,
      `}] });`,
      ``,
    ].join("\n"),
  });
}

/** A recorded resource with empty relations and no inputs or outputs unless given. */
export function recordedResource(fields: Partial<RecordedResource> & Pick<RecordedResource, "urn" | "type" | "name">): RecordedResource {
  return { custom: true, dependencies: [], propertyDependencies: {}, protect: false, inputs: {}, outputs: {}, ...fields };
}

/** Returns a function that registers a temporary directory for removal after the file's tests. */
export function removedAfterAll(): (dir: string) => string {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach(removeDir));
  return (dir) => {
    dirs.push(dir);
    return dir;
  };
}
