import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, removedAfterAll, ROOT } from "./helpers";

// The program's TypeScript compiles as under the CLI's Node.js host: ts-node with the project's
// tsconfig.json under @pulumi/pulumi cmd/run/run.js's options, whose `target` is ES2020 unless the
// tsconfig.json's own compilerOptions name one; TypeScript defines class fields from ES2022 on.

const PRELOAD = path.join(ROOT, "plan", "engine", "programTypeScript.cjs");

const removeLater = removedAfterAll();
let cacheDir: string;
beforeEach(() => {
  cacheDir = mkdtempSync(path.join(tmpdir(), "aml-program-ts-cache-"));
});
afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

const project = (files: Record<string, string>): string => removeLater(makeTempDir(files, "aml-program-ts-"));

/** What the preload gives tsx in a process started in `dir`, and whether it loaded TypeScript to decide. */
function preloaded(dir: string): { compilerOptions: { useDefineForClassFields: boolean }; extends?: string; include: string[]; typescriptLoaded: boolean } {
  const report = `const file = process.env.TSX_TSCONFIG_PATH; console.log(JSON.stringify({ ...JSON.parse(require("node:fs").readFileSync(file, "utf8")), typescriptLoaded: Object.keys(require.cache).some((f) => /[\\\\/]typescript[\\\\/]lib[\\\\/]typescript\\.js$/.test(f)) }));`;
  const child = spawnSync(process.execPath, ["--require", PRELOAD, "-e", report], { cwd: dir, env: { ...process.env, AML_PLAN_CACHE_DIR: cacheDir }, encoding: "utf8" });
  expect(child.stderr).toBe("");
  return JSON.parse(child.stdout) as ReturnType<typeof preloaded>;
}

const classFields = (dir: string): boolean => preloaded(dir).compilerOptions.useDefineForClassFields;

describe("the TypeScript of the program's process", () => {
  it("assigns class fields without a tsconfig.json, as under run.js's ES2020, for every file it loads", () => {
    const given = preloaded(project({ "index.ts": "" }));
    expect(given.compilerOptions.useDefineForClassFields).toBe(false);
    expect(given.extends).toBeUndefined();
    expect(given.include).toEqual(["/**/*"]);
  });

  it.each([
    ["no target", {}, false],
    ["target ES2020", { target: "ES2020" }, false],
    ["target ES2022", { target: "ES2022" }, true],
    ["target ESNext", { target: "ESNext" }, true],
    ["target ES2022 and useDefineForClassFields false", { target: "ES2022", useDefineForClassFields: false }, false],
    ["module nodenext, which implies ESNext to TypeScript but not to run.js", { module: "nodenext" }, false],
  ])("decides class fields from the tsconfig.json's own options: %s", (_, compilerOptions, defined) => {
    const dir = project({ "tsconfig.json": JSON.stringify({ compilerOptions }) });
    expect(classFields(dir)).toBe(defined);
    expect(preloaded(dir).extends).toBe(path.join(dir, "tsconfig.json"));
  });

  it("takes useDefineForClassFields from an extended tsconfig.json, but not its target", () => {
    expect(classFields(project({ "base.json": JSON.stringify({ compilerOptions: { target: "ES2022" } }), "tsconfig.json": JSON.stringify({ extends: "./base.json" }) }))).toBe(false);
    expect(classFields(project({ "base.json": JSON.stringify({ compilerOptions: { useDefineForClassFields: true } }), "tsconfig.json": JSON.stringify({ extends: "./base.json" }) }))).toBe(true);
  });

  it("keeps the decision: the next process loads no TypeScript, until a tsconfig.json of the chain changes", () => {
    const dir = project({ "base.json": JSON.stringify({ compilerOptions: { useDefineForClassFields: true } }), "tsconfig.json": JSON.stringify({ extends: "./base.json" }) });
    expect(preloaded(dir).typescriptLoaded).toBe(true);
    const kept = preloaded(dir);
    expect(kept.typescriptLoaded).toBe(false);
    expect(kept.compilerOptions.useDefineForClassFields).toBe(true);
    writeFileSync(path.join(dir, "base.json"), JSON.stringify({ compilerOptions: { useDefineForClassFields: false } }));
    const decidedAnew = preloaded(dir);
    expect(decidedAnew.typescriptLoaded).toBe(true);
    expect(decidedAnew.compilerOptions.useDefineForClassFields).toBe(false);
  });

  it("keeps nothing while a tsconfig.json it extends is missing, and decides once it appears", () => {
    const dir = project({ "tsconfig.json": JSON.stringify({ extends: "./base.json" }) });
    expect(classFields(dir)).toBe(false);
    writeFileSync(path.join(dir, "base.json"), JSON.stringify({ compilerOptions: { useDefineForClassFields: true } }));
    expect(classFields(dir)).toBe(true);
  });

  it("writes its tsconfig.json into the plan's cache, and into a directory of its own only where the cache cannot be written", () => {
    const temporaries = () => readdirSync(tmpdir()).filter((name) => name.startsWith("aml-program-typescript-")).length;
    const before = temporaries();
    const dir = project({ "index.ts": "" });
    expect(preloadedConfigPath(dir, cacheDir).startsWith(cacheDir)).toBe(true);
    expect(temporaries()).toBe(before);
    const notADirectory = path.join(cacheDir, "a-file");
    writeFileSync(notADirectory, "");
    const fallback = preloadedConfigPath(dir, notADirectory);
    expect(fallback.startsWith(tmpdir())).toBe(true);
    rmSync(path.dirname(fallback), { recursive: true, force: true });
  });

  it("fails the program's process when its tsconfig.json is gone before tsx reads it (a bounded cache removed it), never compiles otherwise", () => {
    const loader = path.join(ROOT, "plan", "typescriptLoader.cjs");
    const removeThenLoad = `require("node:fs").rmSync(process.env.TSX_TSCONFIG_PATH); require(${JSON.stringify(loader)}); console.log("compiled anyway");`;
    const child = spawnSync(process.execPath, ["--require", PRELOAD, "-e", removeThenLoad], { cwd: project({ "index.ts": "" }), env: { ...process.env, AML_PLAN_CACHE_DIR: cacheDir }, encoding: "utf8" });
    expect(child.status).not.toBe(0);
    expect(child.stdout).toBe("");
    expect(child.stderr).toMatch(/Cannot resolve tsconfig at path/);
  });
});

/** The tsconfig.json the preload points tsx at, in a process started in `dir` with `cache` as the plan's cache. */
function preloadedConfigPath(dir: string, cache: string): string {
  const child = spawnSync(process.execPath, ["--require", PRELOAD, "-e", "console.log(process.env.TSX_TSCONFIG_PATH)"], { cwd: dir, env: { ...process.env, AML_PLAN_CACHE_DIR: cache }, encoding: "utf8" });
  expect(child.stderr).toBe("");
  return child.stdout.trim();
}
