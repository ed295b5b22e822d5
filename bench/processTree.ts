// Runs a command and measures its wall time and the peak resident memory of its whole process
// tree (the plan, its policy pack and its program processes), sampled from /proc.
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { performance } from "node:perf_hooks";

export interface TreeRun {
  milliseconds: number;
  /** highest sum of the tree's resident memory seen by the sampler, KiB (NaN without /proc) */
  peakTreeKiB: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

const SAMPLE_EVERY_MS = 25;

function residentKiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function children(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

function treeKiB(pid: number): number {
  return residentKiB(pid) + children(pid).reduce((sum, child) => sum + treeKiB(child), 0);
}

export function runMeasured(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<TreeRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    let peakTreeKiB = Number.NaN;
    const sampler = setInterval(() => {
      if (child.pid === undefined) return;
      const now = treeKiB(child.pid);
      if (now > 0) peakTreeKiB = Number.isNaN(peakTreeKiB) ? now : Math.max(peakTreeKiB, now);
    }, SAMPLE_EVERY_MS);
    child.once("error", (error) => {
      clearInterval(sampler);
      reject(error);
    });
    child.once("close", (code) => {
      clearInterval(sampler);
      resolve({ milliseconds: performance.now() - started, peakTreeKiB, code, stdout, stderr });
    });
  });
}
