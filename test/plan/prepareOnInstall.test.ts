// npm's `prepare` step fills the plan's caches on `npm ci` / `npm install`, so that the first plan
// of a fresh checkout derives nothing; `npm pack` and `npm publish` skip it.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, makeTempDir, removeDir, ROOT } from "./helpers";

const PREPARE = path.join(ROOT, "plan", "prepareOnInstall.cjs");

/** every file under `dir` with its size and modification time */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const stat = statSync(file);
    files[path.relative(dir, file)] = `${stat.size}@${stat.mtimeMs}`;
  }
  return files;
}

describe("prepareOnInstall (npm's prepare step)", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) removeDir(dir);
    dir = undefined;
  });
  const environment = (npmCommand: string): NodeJS.ProcessEnv => {
    dir = makeTempDir({}, "aml-prepare-test-");
    // the plan's caches, and tsx's (under TMPDIR), start empty
    return { ...process.env, npm_command: npmCommand, AML_PLAN_CACHE_DIR: path.join(dir, "plan"), TMPDIR: dir };
  };

  it("on npm ci, fills every cache the first plan reads: that plan derives nothing", () => {
    const env = environment("ci");
    const prepare = spawnSync(process.execPath, [PREPARE], { cwd: ROOT, env, encoding: "utf8" });
    expect(prepare.status, prepare.stderr).toBe(0);
    expect(prepare.stdout).toMatch(/^aml-webservices: the offline plan's caches are ready \(\d+\.\d s\)\n$/);
    const prepared = snapshot(dir!);
    expect(Object.keys(prepared).some((file) => file.startsWith(path.join("plan", "policy-packs")))).toBe(true);
    expect(Object.keys(prepared).some((file) => file.startsWith(path.join("plan", "output-only-paths")))).toBe(true);
    // the plan's command as one bundled file (commandBundle.cjs)
    expect(Object.keys(prepared).filter((file) => file.startsWith(path.join("plan", "command-bundles", "cli-")))).toHaveLength(1);
    // the V8 code caches of the plan's, the program's and the policy pack's processes
    const codeCaches = Object.keys(prepared).filter((file) => file.startsWith(path.join("plan", "code-cache")));
    expect(codeCaches.map((file) => path.basename(file).split("-")[0]).sort()).toEqual(["aml", "compiledPackHost", "programHost"]);

    const firstPlan = spawnSync(process.execPath, [BIN, "plan", "--format", "json"], { cwd: ROOT, env, encoding: "utf8" });
    expect(firstPlan.status, firstPlan.stderr).toBe(0);
    expect(snapshot(dir!)).toEqual(prepared);
  });

  it("on npm pack, does nothing", () => {
    const env = environment("pack");
    const prepare = spawnSync(process.execPath, [PREPARE], { cwd: ROOT, env, encoding: "utf8" });
    expect(prepare.status).toBe(0);
    expect(prepare.stdout).toBe("");
    expect(snapshot(dir!)).toEqual({});
  });

  it("never fails the install: a plan that cannot run says why", () => {
    // the policy pack cannot start within 1 ms: the plan ends with exit code 2
    const env = { ...environment("install"), AML_PLAN_PACK_START_TIMEOUT_MS: "1" };
    const prepare = spawnSync(process.execPath, [PREPARE], { cwd: ROOT, env, encoding: "utf8" });
    expect(prepare.status).toBe(0);
    expect(prepare.stdout).toMatch(/^aml-webservices: the offline plan's caches were not prepared; the first plan fills them:\n {2}error: .*did not print its port/);
  });
});
