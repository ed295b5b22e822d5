// A command's TypeScript runs from one bundled file, built once and rebuilt when anything it was
// built from changes; the plan's plain CommonJS modules stay outside it, one instance per process.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeEach, describe, expect, it } from "vitest";
import { removedAfterAll, ROOT } from "./helpers";

const COMMAND_BUNDLE = path.join(ROOT, "plan", "commandBundle.cjs");
const TSCONFIG = path.join(ROOT, "tsconfig.json");
const temp = removedAfterAll();

let project: string;
let cacheDir: string;
const file = (name: string): string => path.join(project, name);

/** What one process that loads the fixture's command from its bundle sees. */
interface Loaded {
  built: boolean;
  answer: number;
  helper: string;
  dependency: string;
  sharedState: boolean;
  second: string;
  dirname: string;
  resolved: string;
  subdirectory: { dirname: string; filename: string };
  esModule: { url: string; dirname: string; filename: string };
}

function load(): Loaded | "not bundled" {
  const main = `
    const { loadBundle } = require(${JSON.stringify(COMMAND_BUNDLE)});
    const entries = [${JSON.stringify(file("command.ts"))}, ${JSON.stringify(file("second.ts"))}];
    loadBundle(entries, { packageDir: ${JSON.stringify(project)}, tsconfig: ${JSON.stringify(TSCONFIG)}, cacheDir: ${JSON.stringify(cacheDir)} }).then((loaded) => {
      if (!loaded) return console.log(JSON.stringify("not bundled"));
      const [command, second] = loaded.modules;
      console.log(JSON.stringify({
        built: loaded.built,
        answer: command.answer(),
        helper: command.helper(),
        dependency: command.dependency(),
        sharedState: command.state === require(${JSON.stringify(file("state.cjs"))}),
        second: second.name,
        dirname: command.dirname,
        resolved: command.resolved(),
        subdirectory: command.subdirectory,
        esModule: command.esModule,
      }));
    });`;
  const result = spawnSync(process.execPath, ["-e", main], { cwd: project, encoding: "utf8" });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Loaded | "not bundled";
}

/** Sets a file's modification time `seconds` from now (a clock step without waiting for one). */
function touch(name: string, seconds: number): void {
  const at = new Date(Date.now() + seconds * 1000);
  utimesSync(file(name), at, at);
}

const bundles = (): string[] => readdirSync(path.join(cacheDir, "command-bundles")).sort();

beforeEach(() => {
  project = temp(mkdtempSync(path.join(tmpdir(), "aml-command-bundle-")));
  cacheDir = temp(mkdtempSync(path.join(tmpdir(), "aml-command-bundle-cache-")));
  mkdirSync(path.join(project, "node_modules", "dependency"), { recursive: true });
  // Node.js's require picks the "require" export, as the sources under tsx do (imports compile to
  // requires); "module" is a condition bundlers add, which Node.js never matches
  const exports = { ".": { module: "./module.js", import: "./import.js", require: "./index.js" } };
  writeFileSync(file("node_modules/dependency/package.json"), `${JSON.stringify({ name: "dependency", exports }, null, 2)}\n`);
  writeFileSync(file("node_modules/dependency/index.js"), `exports.name = require("./version.cjs").name;\n`);
  writeFileSync(file("node_modules/dependency/import.js"), `exports.name = "dependency's import export";\n`);
  writeFileSync(file("node_modules/dependency/module.js"), `exports.name = "dependency's module export (bundlers' own condition)";\n`);
  writeFileSync(file("node_modules/dependency/other.js"), `exports.name = "dependency's other file";\n`);
  writeFileSync(file("node_modules/dependency/version.cjs"), `exports.name = "dependency 1";\n`);
  // an ES module that finds its own files from import.meta, as the `open` package does
  mkdirSync(file("node_modules/es-dependency"));
  writeFileSync(file("node_modules/es-dependency/package.json"), `${JSON.stringify({ name: "es-dependency", type: "module", exports: "./index.js" })}\n`);
  writeFileSync(file("node_modules/es-dependency/index.js"), `export const location = { url: import.meta.url, dirname: import.meta.dirname, filename: import.meta.filename };\n`);
  writeFileSync(file("state.cjs"), `"use strict";\nmodule.exports = { loads: 0 };\n`);
  writeFileSync(file("helper.js"), `exports.helper = () => "helper.js";\n`);
  mkdirSync(file("sub"));
  writeFileSync(file("sub/location.ts"), `export const subdirectory = { dirname: __dirname, filename: __filename };\n`);
  writeFileSync(
    file("command.ts"),
    [
      `import { helper } from "./helper";`,
      `import { name } from "dependency";`,
      `import state = require("./state.cjs");`,
      `export const answer = (): number => 41;`,
      `export { subdirectory } from "./sub/location";`,
      `export { location as esModule } from "es-dependency";`,
      `export { helper, state };`,
      `export const dependency = (): string => name;`,
      `export const dirname: string = __dirname;`,
      `export const resolved = (): string => require.resolve("dependency");`,
      "",
    ].join("\n"),
  );
  writeFileSync(file("second.ts"), `export const name: string = "second";\n`);
  ageFiles();
});

/** Files as old as any checkout's: not changed while a bundle builds. */
function ageFiles(): void {
  const dependency = ["package.json", "index.js", "import.js", "module.js", "other.js", "version.cjs", "."].map((name) => `node_modules/dependency/${name}`);
  const esDependency = ["package.json", "index.js", "."].map((name) => `node_modules/es-dependency/${name}`);
  for (const name of ["command.ts", "second.ts", "helper.js", "state.cjs", "sub/location.ts", "sub", ...dependency, ...esDependency, "."]) touch(name, -60);
}

describe("a command's bundle", () => {
  it("is built once and then loaded as it is; modules come back in the order given", () => {
    const subdirectory = { dirname: file("sub"), filename: file("sub/location.ts") };
    const esModuleFile = file("node_modules/es-dependency/index.js");
    const esModule = { url: pathToFileURL(esModuleFile).href, dirname: path.dirname(esModuleFile), filename: esModuleFile };
    const expected = { answer: 41, helper: "helper.js", dependency: "dependency 1", sharedState: true, second: "second", dirname: project, resolved: file("node_modules/dependency/index.js"), subdirectory, esModule };
    expect(load()).toEqual({ built: true, ...expected });
    expect(bundles()).toHaveLength(1); // its manifest is its first line
    expect(load()).toEqual({ built: false, ...expected });
  });

  it("runs as if it were beside its first entry: require resolves from there at run time", () => {
    expect(load()).toMatchObject({ dirname: project, resolved: file("node_modules/dependency/index.js") });
    expect(path.relative(project, cacheDir).startsWith("..")).toBe(true);
  });

  it("gives an ES module of a dependency its own import.meta.url, dirname and filename, as Node.js does", () => {
    const esModule = file("node_modules/es-dependency/index.js");
    expect(load()).toMatchObject({ esModule: { url: pathToFileURL(esModule).href, dirname: path.dirname(esModule), filename: esModule } });
  });

  it("gives a module in another directory its own __dirname and __filename, as under tsx", () => {
    expect(load()).toMatchObject({ subdirectory: { dirname: file("sub"), filename: file("sub/location.ts") } });
  });

  it("keeps plain CommonJS modules (.cjs) outside: the command and its process share one instance", () => {
    expect(load()).toMatchObject({ sharedState: true });
    const bundle = bundles()[0]!;
    const code = readFileSync(path.join(cacheDir, "command-bundles", bundle), "utf8");
    expect(code).not.toContain("loads: 0");
    expect(code).toContain(JSON.stringify(file("state.cjs")));
    // a dependency's .cjs modules are its own business: bundled
    expect(code).toContain("dependency 1");
  });

  it("keeps the package's own .cjs modules outside when the package is installed under node_modules", () => {
    const installed = path.join(temp(mkdtempSync(path.join(tmpdir(), "aml-command-bundle-consumer-"))), "node_modules", "fixture");
    cpSync(project, installed, { recursive: true });
    project = installed;
    ageFiles();
    expect(load()).toMatchObject({ built: true, sharedState: true, dependency: "dependency 1", dirname: installed });
  });

  it("is rebuilt when a file it was built from changes, in node_modules too", () => {
    load();
    writeFileSync(file("command.ts"), readFileSync(file("command.ts"), "utf8").replace("41", "42"));
    touch("command.ts", -30);
    expect(load()).toMatchObject({ built: true, answer: 42 });
    writeFileSync(file("node_modules/dependency/version.cjs"), `exports.name = "dependency 2";\n`);
    touch("node_modules/dependency/version.cjs", -30);
    expect(load()).toMatchObject({ built: true, dependency: "dependency 2" });
    expect(load()).toMatchObject({ built: false, answer: 42, dependency: "dependency 2" });
  });

  it("is rebuilt when a file added beside one it was built from changes what an import resolves to", () => {
    expect(load()).toMatchObject({ helper: "helper.js" });
    // `./helper` now resolves to helper.ts, which comes before helper.js
    writeFileSync(file("helper.ts"), `export const helper = (): string => "helper.ts";\n`);
    touch("helper.ts", -30);
    touch(".", -30);
    expect(load()).toMatchObject({ built: true, helper: "helper.ts" });
  });

  it("is rebuilt when the package.json of a package it was built from changes what an import resolves to", () => {
    expect(load()).toMatchObject({ dependency: "dependency 1" });
    const manifest = file("node_modules/dependency/package.json");
    writeFileSync(manifest, readFileSync(manifest, "utf8").replace("./index.js", "./other.js")); // edited in place: its directory is as it was
    touch("node_modules/dependency/package.json", -30);
    expect(load()).toMatchObject({ built: true, dependency: "dependency's other file", resolved: file("node_modules/dependency/other.js") });
  });

  it("is rebuilt when its file is not whole, its manifest line intact", () => {
    expect(load()).toMatchObject({ built: true });
    const kept = path.join(cacheDir, "command-bundles", bundles()[0]!);
    const code = readFileSync(kept, "utf8");
    writeFileSync(kept, code.slice(0, code.indexOf("\n") + 1 + Math.floor((code.length - code.indexOf("\n")) / 2)));
    expect(load()).toMatchObject({ built: true, answer: 41 });
    expect(readFileSync(kept, "utf8")).toBe(code);
  });

  it("is built and kept for a package whose path has quotes, spaces, #, %, non-ASCII and a line separator", () => {
    const odd = path.join(temp(mkdtempSync(path.join(tmpdir(), `aml "bundle" #%é\u2028-`))), "project");
    cpSync(project, odd, { recursive: true });
    project = odd;
    ageFiles();
    expect(load()).toMatchObject({ built: true, answer: 41, sharedState: true, dirname: odd, subdirectory: { dirname: file("sub") } });
    expect(load()).toMatchObject({ built: false, answer: 41, sharedState: true });
  });

  it("is kept when it is built right after its files were written, as after an install", () => {
    for (const name of ["command.ts", "helper.js", "node_modules/dependency/version.cjs", "."]) touch(name, 0);
    expect(load()).toMatchObject({ built: true, answer: 41 });
    expect(load()).toMatchObject({ built: false, answer: 41 });
  });

  it("is not made from sources that do not build: the caller loads the sources, which say what is wrong", () => {
    expect(load()).toMatchObject({ built: true });
    const source = readFileSync(file("command.ts"), "utf8");
    writeFileSync(file("command.ts"), source.replace("(): number => 41", "(: number => 41"));
    touch("command.ts", -30);
    expect(load()).toBe("not bundled");
    writeFileSync(file("command.ts"), source.replace("41", "43"));
    touch("command.ts", -20);
    expect(load()).toMatchObject({ built: true, answer: 43 });
  });

  it("is not made when an import no longer resolves", () => {
    expect(load()).toMatchObject({ built: true });
    rmSync(file("node_modules/dependency"), { recursive: true });
    expect(load()).toBe("not bundled");
    expect(existsSync(path.join(cacheDir, "command-bundles"))).toBe(true);
  });

  it("is not built where it could not be kept: each start would build it again, dearer than the sources", () => {
    // a cache directory under a file: nothing can be created there, whoever runs (root included)
    const blocker = path.join(cacheDir, "a-file");
    writeFileSync(blocker, "");
    cacheDir = path.join(blocker, "cache");
    expect(load()).toBe("not bundled");
    expect(existsSync(cacheDir)).toBe(false);
  });
});
