// `npm run plan:stacks -- --out-dir <dir> [--project <dir>] [--format markdown|json]
//                        [--compare-dir <dir> | --base-ref <git ref>] [--publish-summary]`
//
// The offline plan of every stack (found from the stack files) of this project and of its
// bootstrap project, each through the checkout's own CLI, so a base-branch checkout is planned by
// the base branch's code and policy pack. Markdown: one report per stack, leading with the change
// when the stack's base plan is in --compare-dir (or planned here from a checkout of --base-ref),
// and `report.md` with all of them. Exit code: 2 if any plan failed, else 1 if any stack has a
// mandatory violation, else 0.
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { discoverStacks } from "./stackDiscovery";

export type StackReportFormat = "markdown" | "json";

export interface PlanStacksOptions {
  /** the Pulumi project, with its own `bin/aml-webservices.js` and `policies/` */
  projectDir: string;
  outDir: string;
  format: StackReportFormat;
  /** a directory of `<stack>.json` base plans to compare with */
  compareDir?: string;
}

/** The Pulumi projects of a checkout, by directory: the stacks, then the one-time bootstrap. */
export const PROJECT_DIRS = ["", "bootstrap"] as const;

export interface StackPlan {
  /** `<stack>`, or `<project dir>/<stack>` outside the root project */
  stack: string;
  /** 0 clean, 1 mandatory violation, 2 error */
  code: number;
  /** the CLI's one-line summary, or its error */
  summary: string;
  reportFile?: string;
  compared: boolean;
}

export interface PlanStacksResult {
  stacks: StackPlan[];
  exitCode: number;
  /** markdown only: every stack's report in one document */
  combinedReport?: string;
}

export const COMBINED_REPORT = "report.md";

export async function planStacks(options: PlanStacksOptions): Promise<PlanStacksResult> {
  const projectDir = path.resolve(options.projectDir);
  const cli = path.join(projectDir, "bin", "aml-webservices.js");
  if (!existsSync(cli)) throw new Error(`${cli} does not exist: --project must be a checkout of this repository`);
  mkdirSync(options.outDir, { recursive: true });
  const extension = options.format === "json" ? "json" : "md";
  const stacks: StackPlan[] = [];
  // one at a time: each plan starts a policy pack process, and CI machines are small
  for (const { dir, stack, label, fileName } of stacksOf(projectDir)) {
    const reportFile = path.resolve(options.outDir, `${fileName}.${extension}`);
    const base = options.compareDir ? path.resolve(options.compareDir, `${fileName}.json`) : undefined;
    const compared = base !== undefined && existsSync(base);
    const args = ["plan", "--cwd", dir, "--stack", stack, "--format", options.format, "--out", reportFile, ...(compared ? ["--compare", base] : [])];
    const run = await runNode(cli, args, projectDir);
    const code = run.code === 0 || run.code === 1 ? run.code : 2;
    stacks.push({
      stack: label,
      code,
      summary: code === 2 ? run.stderr.trim() || `the plan ended with ${run.signal ?? `exit code ${run.code}`}` : run.stdout.trim().replace(/; \w+ report written to .*$/, ""),
      ...(code !== 2 && existsSync(reportFile) ? { reportFile } : {}),
      compared,
    });
  }
  const exitCode = stacks.length === 0 ? 2 : Math.max(...stacks.map((s) => s.code));
  if (options.format !== "markdown") return { stacks, exitCode };
  const combinedReport = combineMarkdown(stacks, options.compareDir !== undefined);
  writeFileSync(path.join(options.outDir, COMBINED_REPORT), combinedReport);
  return { stacks, exitCode, combinedReport };
}

/** Every stack of every project of the checkout, with the file name of its reports. */
export function stacksOf(checkoutDir: string): Array<{ dir: string; stack: string; label: string; fileName: string }> {
  return PROJECT_DIRS.flatMap((sub) => {
    const dir = path.join(checkoutDir, sub);
    if (!existsSync(path.join(dir, "Pulumi.yaml"))) return [];
    return discoverStacks(dir).map((stack) => ({ dir, stack, label: sub ? `${sub}/${stack}` : stack, fileName: sub ? `${sub}.${stack}` : stack }));
  });
}

const VERDICT = ["✅ no mandatory violations", "❌ mandatory violations", "⚠️ plan failed"] as const;

/** One document: a table of every stack, then each stack's report. */
export function combineMarkdown(stacks: StackPlan[], comparing: boolean): string {
  const out = [`## Offline plan of ${stacks.length} stack${stacks.length === 1 ? "" : "s"}`, ""];
  if (stacks.length === 0) out.push("No stack files found (`stacks/Pulumi.<stack>.yaml`).", "");
  else out.push("| Stack | Result | Summary |", "| --- | --- | --- |");
  for (const s of stacks) out.push(`| \`${s.stack}\` | ${VERDICT[s.code as 0 | 1 | 2]} | ${cell(s.summary.split("\n")[0] ?? "")} |`);
  out.push("");
  for (const s of stacks) {
    if (s.reportFile) {
      if (comparing && !s.compared) out.push(`> \`${s.stack}\`: no base plan to compare with (a new stack, or the base branch failed to plan it).`, "");
      out.push(readFileSync(s.reportFile, "utf8").trimEnd(), "");
    } else {
      out.push(`### \`${s.stack}\`: the plan failed`, "", "```text", s.summary.replace(/```/g, "'''"), "```", "");
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}

/** GitHub's job summary is limited to 1 MiB per step. */
const STEP_SUMMARY_LIMIT = 1024 * 1024;

/** The report as the job summary: GitHub Actions' step summary, or an Azure Pipelines build summary. */
export function publishSummary(reportFile: string, env: NodeJS.ProcessEnv = process.env, print: (line: string) => void = console.log): void {
  if (env.GITHUB_STEP_SUMMARY) {
    const report = readFileSync(reportFile, "utf8");
    const note = "\n\n_The report was cut at the job summary's size limit; the full report is in the workflow's artifact._\n";
    appendFileSync(env.GITHUB_STEP_SUMMARY, Buffer.byteLength(report) <= STEP_SUMMARY_LIMIT ? report : `${cutToBytes(report, STEP_SUMMARY_LIMIT - Buffer.byteLength(note))}${note}`);
  } else if (env.TF_BUILD) {
    print(`##vso[task.uploadsummary]${path.resolve(reportFile)}`);
  }
}

function cutToBytes(text: string, bytes: number): string {
  return Buffer.from(text).subarray(0, bytes).toString("utf8").replace(/\uFFFD$/, "");
}

function cell(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\|/g, "\\|");
}

interface NodeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runNode(script: string, args: string[], cwd: string): Promise<NodeRun> {
  return runCommand(process.execPath, [script, ...args], cwd);
}

function runCommand(command: string, args: string[], cwd: string): Promise<NodeRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * A clean checkout of `ref` at `dir` (a detached git worktree of the project's repository) with
 * its own dependencies, to be planned by its own code. With the same package-lock.json as the
 * project, it shares the project's installed dependencies instead of installing them again.
 */
export async function checkoutBase(projectDir: string, ref: string, dir: string): Promise<void> {
  const git = (args: string[]): Promise<NodeRun> => runCommand("git", args, projectDir);
  if (existsSync(dir)) await git(["worktree", "remove", "--force", dir]);
  const added = await git(["worktree", "add", "--force", "--detach", dir, ref]);
  if (added.code !== 0) throw new Error(`cannot check out the base '${ref}': ${added.stderr.trim()}`);
  if (sameFile(path.join(projectDir, "package-lock.json"), path.join(dir, "package-lock.json")) && existsSync(path.join(projectDir, "node_modules"))) {
    symlinkSync(path.join(projectDir, "node_modules"), path.join(dir, "node_modules"), "dir");
    return;
  }
  const install = await runCommand("npm", ["ci", "--no-audit", "--no-fund"], dir);
  if (install.code !== 0) throw new Error(`npm ci of the base '${ref}' failed: ${install.stderr.trim().split("\n").slice(-5).join("\n")}`);
}

function sameFile(a: string, b: string): boolean {
  return existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      project: { type: "string" },
      "out-dir": { type: "string" },
      format: { type: "string" },
      "compare-dir": { type: "string" },
      "base-ref": { type: "string" },
      "publish-summary": { type: "boolean" },
    },
    strict: true,
  });
  if (!values["out-dir"]) throw new Error("--out-dir is required");
  const format = values.format ?? "markdown";
  if (format !== "markdown" && format !== "json") throw new Error(`--format must be markdown or json, got '${format}'`);
  if (values["base-ref"] && values["compare-dir"]) throw new Error("give --compare-dir or --base-ref, not both");
  const projectDir = path.resolve(values.project ?? path.join(__dirname, ".."));
  let compareDir = values["compare-dir"];
  if (values["base-ref"]) {
    // a base that cannot be planned leaves every stack without a comparison, said in the report
    compareDir = path.join(values["out-dir"], "base");
    try {
      const baseDir = path.join(projectDir, ".plan-base");
      await checkoutBase(projectDir, values["base-ref"], baseDir);
      await planStacks({ projectDir: baseDir, outDir: compareDir, format: "json" });
    } catch (error) {
      console.error(`warning: no base plans: ${(error as Error).message}`);
    }
  }
  const result = await planStacks({ projectDir, outDir: values["out-dir"], format, ...(compareDir ? { compareDir } : {}) });
  for (const s of result.stacks) console.log(`${s.stack}: ${s.code === 2 ? `error: ${s.summary}` : s.summary}`);
  if (result.combinedReport !== undefined && values["publish-summary"]) publishSummary(path.join(values["out-dir"], COMBINED_REPORT));
  return result.exitCode;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(2);
    },
  );
}
