// The offline plan's benchmark, in one run: the SDK-load floor, the dev plan cold (first run after
// npm ci, and with empty caches) and warm, policy evaluation throughput, the scaling series over
// generated stacks (time and peak memory of the whole process tree), the multi-stack plan, and the
// component plugin's start to its schema.
// Prints a table, then one line of JSON with every figure. Asserts nothing.
//
// Usage: npm run bench. BENCH_ROUNDS (default 3) sets the rounds of each median (the warm dev plan
// takes at least 7, policy evaluation at least 9); BENCH_SIZES (default 1,10,100,1000) the services
// of the generated stacks. Each timed dev plan is paired with a floor run just before it.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { PolicyAnalyzer } from "../plan/analyzer";
import { evaluatePolicies, loadPolicyPackConfig } from "../plan/policyEvaluation";
import { runProgram } from "../plan/programRun";
import { readPulumiProject, readStackConfig } from "../plan/pulumiProject";
import { generatedProject, REPOSITORY } from "./generatedStacks";
import { schemaServedMs } from "./pluginStart";
import { runMeasured, type TreeRun } from "./processTree";

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const sizes = (process.env.BENCH_SIZES ?? "1,10,100,1000").split(",").map(Number);
const BIN = path.join(REPOSITORY, "bin", "aml-webservices.js");
const PACK = path.join(REPOSITORY, "policies");
const PREPARE = path.join(REPOSITORY, "plan", "prepareOnInstall.cjs");
/** services of the stack whose policy evaluation is timed: over 1,000 resources */
const THROUGHPUT_SERVICES = 250;
const THROUGHPUT_ROUNDS = 9;
/** Pairs of a floor run and a warm dev plan: a second and a half each. */
const WARM_PAIRS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The `@pulumi/*` modules the program imports (index.ts and components/), as written. */
function sdkModules(): string[] {
  const files = ["index.ts", ...readdirSync(path.join(REPOSITORY, "components")).map((f) => path.join("components", f))];
  const modules = new Set<string>();
  for (const file of files.filter((f) => f.endsWith(".ts"))) {
    for (const match of readFileSync(path.join(REPOSITORY, file), "utf8").matchAll(/from "(@pulumi\/[^"]+)"/g)) modules.add(match[1]!);
  }
  return [...modules].sort();
}

/** The floor: node loading `@pulumi/pulumi` and the provider submodules the program imports, once. */
async function floorOnce(modules: string[]): Promise<TreeRun> {
  const script = `for (const m of ${JSON.stringify(modules)}) require(m);`;
  return checked(await runMeasured(process.execPath, ["-e", script], { cwd: REPOSITORY }), "floor");
}

function checked(run: TreeRun, what: string, expectedCodes: number[] = [0]): TreeRun {
  if (!expectedCodes.includes(run.code ?? -1)) throw new Error(`${what} exited ${run.code}: ${run.stderr.slice(0, 2000)}`);
  return run;
}

/** Fresh caches: the compiled policy pack's and tsx's (tsx keeps its cache under TMPDIR). */
function freshCaches(): { env: NodeJS.ProcessEnv; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "aml-bench-cache-"));
  return { env: { AML_PLAN_CACHE_DIR: dir, TMPDIR: dir }, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function plan(args: string[], env: NodeJS.ProcessEnv, what: string): Promise<TreeRun> {
  return checked(await runMeasured(process.execPath, [BIN, "plan", ...args], { cwd: REPOSITORY, env }), what, [0, 1]);
}

interface PairedRun {
  run: TreeRun;
  /** the run's time over the floor run made just before it */
  ratio: number;
}

interface PairedMedians {
  ms: number;
  peakKiB: number;
  ratio: number;
}

async function medianOfPairs(count: number, measure: () => Promise<PairedRun>): Promise<PairedMedians> {
  const ratios: number[] = [];
  const { ms, peakKiB } = await medianOf(count, async () => {
    const { run, ratio } = await measure();
    ratios.push(ratio);
    return run;
  });
  return { ms, peakKiB, ratio: median(ratios) };
}

async function medianOf(count: number, measure: () => Promise<TreeRun>): Promise<{ ms: number; peakKiB: number; last: TreeRun }> {
  const runs: TreeRun[] = [];
  for (let i = 0; i < count; i++) runs.push(await measure());
  return { ms: median(runs.map((r) => r.milliseconds)), peakKiB: median(runs.map((r) => r.peakTreeKiB)), last: runs.at(-1)! };
}

/** Resources per second of the engine's policy calls (both analyzer calls per resource), pack already started. */
async function policyThroughput(projectDir: string, stack: string): Promise<{ resources: number; ms: number }> {
  const project = readPulumiProject(projectDir);
  const stackConfig = readStackConfig(project, stack);
  const run = await runProgram(project, stackConfig, { phase: "preview", timeoutSeconds: 600 });
  const analyzer = new PolicyAnalyzer({ packDir: PACK });
  try {
    await analyzer.start();
    const packConfig = loadPolicyPackConfig(path.join(PACK, "config", "dev.json"));
    const times: number[] = [];
    // half a second each: more rounds than the plans get, so that one slow round (the first, or a
    // neighbour's burst on a shared machine) does not set the median
    for (let i = 0; i < Math.max(rounds, THROUGHPUT_ROUNDS); i++) {
      const started = performance.now();
      await evaluatePolicies(analyzer, run.resources, { project: project.name, stack, packConfig });
      times.push(performance.now() - started);
    }
    return { resources: run.resources.length, ms: median(times) };
  } finally {
    await analyzer.shutdown();
  }
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mib = (kib: number): string => `${(kib / 1024).toFixed(0)} MiB`;
const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

async function main(): Promise<void> {
  const modules = sdkModules();
  const rows: Array<[string, string, string]> = [];
  const row = (what: string, value: string, note = ""): void => {
    rows.push([what, value, note]);
    console.error(`  ${what}: ${value} ${note}`);
  };
  console.error(`benchmark: ${rounds} rounds per median, node ${process.version}, ${cpus().length} cores`);

  // Each timed dev plan follows a floor run of its own: the ratio of each pair, so that a neighbour's
  // load on a shared machine weighs on both sides of a ratio (their median is reported).
  const floorRuns: TreeRun[] = [];
  const pairedWithFloor = async (measure: () => Promise<TreeRun>): Promise<PairedRun> => {
    const floorRun = await floorOnce(modules);
    floorRuns.push(floorRun);
    const run = await measure();
    return { run, ratio: run.milliseconds / floorRun.milliseconds };
  };

  // A fresh checkout: empty caches, then `npm ci`, whose prepare step (untimed) fills them.
  const cold = await medianOfPairs(rounds, async () => {
    const caches = freshCaches();
    try {
      const prepare = checked(await runMeasured(process.execPath, [PREPARE], { cwd: REPOSITORY, env: { ...caches.env, npm_command: "ci" } }), "npm ci's prepare step");
      if (!prepare.stdout.includes("caches are ready")) throw new Error(`npm ci's prepare step: ${prepare.stdout}`);
      return await pairedWithFloor(() => plan(["--stack", "dev", "--format", "json"], caches.env, "first dev plan after npm ci"));
    } finally {
      caches.remove();
    }
  });

  const empty = await medianOfPairs(rounds, async () => {
    const caches = freshCaches();
    try {
      return await pairedWithFloor(() => plan(["--stack", "dev", "--format", "json"], caches.env, "dev plan with empty caches"));
    } finally {
      caches.remove();
    }
  });

  const warmCaches = freshCaches();
  const warmPlan = (stacks: string): Promise<TreeRun> => plan(["--stack", stacks, "--format", "json"], warmCaches.env, `plan of ${stacks}`);
  let multi: { ms: number };
  let separate: number[];
  let warm: PairedMedians;
  let floorMs: number;
  try {
    await warmPlan("dev"); // fills the caches
    warm = await medianOfPairs(Math.max(rounds, WARM_PAIRS), () => pairedWithFloor(() => warmPlan("dev")));
    floorMs = median(floorRuns.map((run) => run.milliseconds));
    row("SDK-load floor", seconds(floorMs), `node + ${modules.length} @pulumi modules, once (median of the ${floorRuns.length} runs paired with the plans below)`);
    row("dev plan, first after npm ci", seconds(cold.ms), `${round(cold.ratio)}x floor (fresh checkout: caches as npm ci's prepare step leaves them)`);
    row("dev plan, empty caches", seconds(empty.ms), `${round(empty.ratio)}x floor (npm ci --ignore-scripts, or a changed policy pack: type-checks and compiles the pack)`);
    row("dev plan, warm", seconds(warm.ms), `${round(warm.ratio)}x floor, peak ${mib(warm.peakKiB)}`);
    separate = [warm.ms];
    for (const stack of ["staging", "prod"]) separate.push((await medianOf(rounds, () => warmPlan(stack))).ms);
    multi = await medianOf(rounds, () => warmPlan("dev,staging,prod"));
  } finally {
    warmCaches.remove();
  }
  const separateSum = separate.reduce((a, b) => a + b, 0);
  row("dev,staging,prod in one plan", seconds(multi.ms), `${round(multi.ms / separateSum)}x the sum of separate plans (${seconds(separateSum)})`);

  // Only the schema's cache is fresh: ts-node's cache under TMPDIR stays as a user's second start
  // finds it, warmed by a first start of its own.
  const warmUpCache = mkdtempSync(path.join(tmpdir(), "aml-bench-plugin-"));
  const pluginCache = mkdtempSync(path.join(tmpdir(), "aml-bench-plugin-"));
  let plugin: { derivedMs: number; keptMs: number };
  try {
    await schemaServedMs({ AML_PLAN_CACHE_DIR: warmUpCache });
    const derivedMs = await schemaServedMs({ AML_PLAN_CACHE_DIR: pluginCache });
    const kept: number[] = [];
    for (let i = 0; i < rounds; i++) kept.push(await schemaServedMs({ AML_PLAN_CACHE_DIR: pluginCache }));
    plugin = { derivedMs, keptMs: median(kept) };
  } finally {
    for (const dir of [warmUpCache, pluginCache]) rmSync(dir, { recursive: true, force: true });
  }
  row("component plugin, schema derived", seconds(plugin.derivedMs), "start to schema over gRPC, the schema derived from the components' source");
  row("component plugin, schema kept", seconds(plugin.keptMs), `${round(plugin.derivedMs / plugin.keptMs, 1)}x faster: the schema kept by the previous start`);

  const generated = generatedProject([...sizes, THROUGHPUT_SERVICES]);
  const scaling: Array<{ services: number; resources: number; ms: number; peakKiB: number }> = [];
  const failedSizes: Array<{ services: number; error: string }> = [];
  let throughput: { resources: number; ms: number };
  try {
    throughput = await policyThroughput(generated.dir, generated.stackOf(THROUGHPUT_SERVICES));
    row("policy evaluation", `${Math.round(throughput.resources / (throughput.ms / 1000))} resources/s`, `${throughput.resources} resources in ${seconds(throughput.ms)}`);
    for (const services of sizes) {
      try {
        const measured = await medianOf(services >= 1000 ? 1 : rounds, () =>
          plan(["--cwd", generated.dir, "--stack", generated.stackOf(services), "--format", "json"], {}, `plan of ${services} services`),
        );
        const report = JSON.parse(measured.last.stdout) as { summary: { resources: number } };
        scaling.push({ services, resources: report.summary.resources, ms: measured.ms, peakKiB: measured.peakKiB });
        row(`${services} service${services === 1 ? "" : "s"}`, seconds(measured.ms), `${report.summary.resources} resources, peak ${mib(measured.peakKiB)}`);
      } catch (error) {
        // a size the machine cannot plan (memory) is reported, not hidden
        failedSizes.push({ services, error: String(error).slice(0, 300) });
        row(`${services} service${services === 1 ? "" : "s"}`, "failed", String(error).split("\n")[0]!.slice(0, 120));
      }
    }
  } finally {
    generated.remove();
  }

  const at = (services: number) => scaling.find((s) => s.services === services);
  const [smallest, largest] = [scaling[0]!, scaling.at(-1)!];
  const figures = {
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? "unknown", memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version, loadAverage: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).map(Number) },
    rounds,
    floorMs: Math.round(floorMs),
    coldMs: Math.round(cold.ms),
    warmMs: Math.round(warm.ms),
    emptyCachesMs: Math.round(empty.ms),
    coldRatio: round(cold.ratio),
    emptyCachesRatio: round(empty.ratio),
    warmRatio: round(warm.ratio),
    resourcesPerSecond: Math.round(throughput.resources / (throughput.ms / 1000)),
    throughputResources: throughput.resources,
    scaling: scaling.map((s) => ({ ...s, ms: Math.round(s.ms), peakKiB: Math.round(s.peakKiB) })),
    failedSizes,
    scaling1000over100: at(1000) && at(100) ? round(at(1000)!.ms / at(100)!.ms) : null,
    // memory each further resource costs, across the whole process tree, from the smallest to the largest stack
    peakKiBPerResource: Math.round((largest.peakKiB - smallest.peakKiB) / Math.max(1, largest.resources - smallest.resources)),
    multiStackMs: Math.round(multi.ms),
    separateStacksMs: Math.round(separateSum),
    multiStackRatio: round(multi.ms / separateSum),
    pluginSchemaDerivedMs: Math.round(plugin.derivedMs),
    pluginSchemaKeptMs: Math.round(plugin.keptMs),
  };

  const width = Math.max(...rows.map(([what]) => what.length));
  console.log(`| measure | value | note |\n| --- | ---: | --- |`);
  for (const [what, value, note] of rows) console.log(`| ${what.padEnd(width)} | ${value} | ${note} |`);
  console.log(JSON.stringify(figures));
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
