// Measures the offline plan as users run it, one process per plan: wall time per stack and the
// peak memory of the plan process (the policy pack runs in a process of its own). Prints numbers;
// asserts nothing. Usage: npm run bench [-- <stack> ...]; BENCH_ROUNDS sets the rounds (default 3).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

const projectDir = path.resolve(__dirname, "..");
const stacks = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["dev", "staging", "prod"];
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const peakMemoryReporter = path.join(__dirname, "reportPeakMemory.js");

interface Sample {
  milliseconds: number;
  peakRssMiB: number;
}

function planOnce(stack: string): Sample {
  const started = performance.now();
  const child = spawnSync(
    process.execPath,
    ["--require", peakMemoryReporter, path.join(projectDir, "bin", "aml-webservices.js"), "plan", "--stack", stack, "--format", "json"],
    { cwd: projectDir, encoding: "utf8" },
  );
  const milliseconds = performance.now() - started;
  if (child.status !== 0) throw new Error(`plan of ${stack} exited ${child.status}: ${child.stderr}`);
  const peak = /peak-rss-kib (\d+)/.exec(child.stderr);
  return { milliseconds, peakRssMiB: peak ? Number(peak[1]) / 1024 : Number.NaN };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

console.log(`offline plan, ${rounds} rounds per stack, node ${process.version}`);
for (const stack of stacks) {
  const samples = Array.from({ length: rounds }, () => planOnce(stack));
  const times = samples.map((s) => s.milliseconds);
  console.log(
    `${stack.padEnd(8)} median ${median(times).toFixed(0)} ms  min ${Math.min(...times).toFixed(0)} ms  ` +
      `max ${Math.max(...times).toFixed(0)} ms  peak rss ${median(samples.map((s) => s.peakRssMiB)).toFixed(0)} MiB`,
  );
}
