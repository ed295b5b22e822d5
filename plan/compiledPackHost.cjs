// @ts-check
"use strict";
// Runs a TypeScript policy pack as `run-policy-pack` does, without loading ts-node and type-checking
// the pack on every start: the pack is type-checked and compiled once, with the options
// `run-policy-pack` gives ts-node, and the output is cached under a hash of everything that can
// change it (every file of the pack, its package.json and tsconfig.json, the versions of TypeScript
// and of the pack's dependencies, and any file outside the pack it imports), not by where the pack
// is: a copy of a pack reuses its compilation. A pack that does not compile fails as under
// `run-policy-pack`, the compiler's messages on stderr, exit code 1, no port; that outcome is cached
// too, so it costs a type-check only once per content.
//
// Usage (cwd = the pack directory): node compiledPackHost.cjs <run-policy-pack dir> <cache dir>
// Plain CommonJS and no TypeScript hook: this file is what makes the pack start fast.

const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const { markUsed, writeCacheFile } = require("./cacheFile.cjs");

/** Bumped when what is cached, or how it is compiled, changes. */
const CACHE_FORMAT = "compiled-pack-v2";
/** Compiled packs kept per cache directory; the least recently written or used are removed beyond this. */
const CACHE_ENTRIES_KEPT = 32;
/** Diagnostics ts-node ignores by default (it reports the others). */
const IGNORED_DIAGNOSTICS = new Set([6059, 18002, 18003]);
/** What `run-policy-pack` gives ts-node, under the pack's own `compilerOptions`. */
const RUN_POLICY_PACK_DEFAULTS = { target: "ES2020", module: "nodenext", moduleResolution: "nodenext" };

if (process.env.AML_PLAN_DEBUG !== "1") {
  const codeCache = require("./codeCache.cjs");
  codeCache.enableCodeCache("compiledPackHost");
  // the plan ends the pack with SIGTERM (SIGKILL only if it lingers): exiting writes the cache
  process.once("SIGTERM", () => process.exit(143));
}
require("./deferredSdkModules.cjs").deferUnusedSdkModules();

const [runPolicyPackDir, cacheDir] = process.argv.slice(2);
if (!runPolicyPackDir || !cacheDir) {
  process.stderr.write("usage: compiledPackHost.cjs <run-policy-pack dir> <cache dir>\n");
  process.exit(2);
}
const packDir = fs.realpathSync(process.cwd());
const packRequire = Module.createRequire(path.join(packDir, "__pack__.js"));

/**
 * @typedef {{ sha256: string, js: string }} CompiledFile
 * Paths are relative to the pack directory.
 * @typedef {{ format: string, files: Record<string, CompiledFile>, outside: Record<string, string>, failure?: string }} CompiledPack
 */

function sha256(/** @type {string | Buffer} */ data) {
  return crypto.createHash("sha256").update(data).digest("hex");
}

/** Every file of the pack, outside node_modules and dot-directories, sorted by relative path. */
function packFiles(/** @type {string} */ dir, /** @type {string} */ relative = "") {
  /** @type {string[]} */
  const files = [];
  for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const name = path.join(relative, entry.name);
    if (entry.isDirectory()) files.push(...packFiles(dir, name));
    else if (entry.isFile()) files.push(name);
  }
  return files;
}

/** The version of a package as the pack resolves it, or "none". */
function resolvedVersion(/** @type {string} */ name) {
  try {
    return JSON.parse(fs.readFileSync(packRequire.resolve(`${name}/package.json`), "utf8")).version ?? "unversioned";
  } catch {
    return "none";
  }
}

function cacheKey() {
  const hash = crypto.createHash("sha256");
  hash.update(`${CACHE_FORMAT}\0`);
  const manifest = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8"));
  const dependencies = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies });
  for (const name of ["typescript", "@types/node", ...dependencies].sort()) hash.update(`dep\0${name}\0${resolvedVersion(name)}\0`);
  for (const file of packFiles(packDir)) hash.update(`file\0${file}\0${sha256(fs.readFileSync(path.join(packDir, file)))}\0`);
  return hash.digest("hex");
}

/** @returns {CompiledPack | undefined} the cached pack, if every file outside the pack it used is unchanged */
function readCache(/** @type {string} */ file) {
  let cached;
  try {
    cached = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
  if (cached?.format !== CACHE_FORMAT) return undefined;
  for (const [outside, digest] of Object.entries(cached.outside)) {
    try {
      if (sha256(fs.readFileSync(path.resolve(packDir, outside))) !== digest) return undefined;
    } catch {
      return undefined;
    }
  }
  markUsed(file);
  return cached;
}

function writeCache(/** @type {string} */ file, /** @type {CompiledPack} */ compiled) {
  try {
    writeCacheFile(file, JSON.stringify(compiled), { keep: CACHE_ENTRIES_KEPT });
  } catch {
    // a cache that cannot be written only costs the next start a compile
  }
}

function loadTypeScript() {
  for (const from of [packRequire, Module.createRequire(path.join(runPolicyPackDir, "index.js"))]) {
    try {
      return /** @type {typeof import("typescript")} */ (from("typescript"));
    } catch {
      // try the next location
    }
  }
  throw new Error("cannot load TypeScript to compile the policy pack: install typescript");
}

/** Compiler options as `run-policy-pack` gives them to ts-node, for emitting JavaScript in memory. */
function compilerOptions(/** @type {typeof import("typescript")} */ ts) {
  const tsconfigPath = path.join(packDir, "tsconfig.json");
  /** @type {import("typescript").CompilerOptions} */
  let fromFile = {};
  /** @type {Record<string, unknown>} */
  let own = {};
  /** @type {import("typescript").Diagnostic[]} */
  const problems = [];
  if (fs.existsSync(tsconfigPath)) {
    const read = ts.readConfigFile(tsconfigPath, ts.sys.readFile);
    if (read.error) problems.push(read.error);
    own = read.config?.compilerOptions ?? {};
    fromFile = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, packDir, undefined, tsconfigPath).options;
  }
  const given = ts.convertCompilerOptionsFromJson({ ...RUN_POLICY_PACK_DEFAULTS, ...own }, packDir);
  problems.push(...given.errors);
  const options = {
    ...fromFile,
    ...given.options,
    // as ts-node: emit JavaScript only, in memory
    noEmit: false,
    noEmitOnError: false,
    emitDeclarationOnly: false,
    declaration: false,
    declarationMap: false,
    composite: false,
    incremental: false,
    sourceMap: false,
    inlineSourceMap: false,
    inlineSources: false,
    outDir: undefined,
    outFile: undefined,
    tsBuildInfoFile: undefined,
  };
  return { options, problems };
}

/**
 * Type-checks and compiles `roots` and what they import, as ts-node reports it: option errors, and
 * the syntactic and semantic errors of every TypeScript file of the program outside node_modules.
 * @returns {CompiledPack} the JavaScript of each file, or the compiler's messages as `failure`
 */
function compile(/** @type {string[]} */ roots) {
  const ts = loadTypeScript();
  const { options, problems } = compilerOptions(ts);
  const program = ts.createProgram({ rootNames: roots, options });
  const own = program
    .getSourceFiles()
    .filter((file) => !file.isDeclarationFile && !file.fileName.split(/[\\/]/).includes("node_modules"));
  /** @type {CompiledPack} */
  const compiled = { format: CACHE_FORMAT, files: {}, outside: {} };
  for (const file of own) {
    const relative = path.relative(packDir, fs.realpathSync(file.fileName));
    if (relative.startsWith("..") || path.isAbsolute(relative)) compiled.outside[relative] = sha256(fs.readFileSync(file.fileName));
  }
  const diagnostics = [
    ...problems,
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...own.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
  ].filter((diagnostic) => !IGNORED_DIAGNOSTICS.has(diagnostic.code));
  if (diagnostics.length > 0) {
    const text = ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => packDir,
      getNewLine: () => "\n",
    });
    return { ...compiled, failure: `TSError: ⨯ Unable to compile TypeScript:\n${text}` };
  }
  for (const file of own) {
    const relative = path.relative(packDir, fs.realpathSync(file.fileName));
    program.emit(file, (name, text) => {
      if (name.endsWith(".js") || name.endsWith(".cjs") || name.endsWith(".mjs")) {
        compiled.files[relative] = { sha256: sha256(file.text), js: text };
      }
    });
  }
  return compiled;
}

/**
 * Fails as `run-policy-pack` fails on a TypeScript error: the message on stderr, exit code 1.
 * @param {string} message
 * @returns {never}
 */
function failToCompile(message) {
  process.stderr.write(`Running program '${packDir}' failed with an unhandled exception:\n${message}\n`);
  process.exit(1);
}

function compiledPack() {
  const entry = packRequire.resolve(packDir);
  const cacheFile = path.join(cacheDir, `${cacheKey()}.json`);
  const cached = readCache(cacheFile);
  if (cached && (cached.failure !== undefined || cached.files[path.relative(packDir, fs.realpathSync(entry))])) return cached;
  const compiled = compile([entry]);
  writeCache(cacheFile, compiled);
  return compiled;
}

/** @type {Record<string, (module: import("node:module"), filename: string) => void>} */
const extensions = /** @type {any} */ (Module)._extensions;
// `.ts` resolves like `.js` (a pack's `main: index.ts`, extensionless imports) once it has a loader.
extensions[".ts"] = () => {
  throw new Error("the policy pack's TypeScript loader is not ready");
};
/** @type {CompiledPack} */
let pack;
try {
  pack = compiledPack();
} catch (error) {
  failToCompile(error instanceof Error ? error.message : String(error));
}
if (pack.failure !== undefined) failToCompile(pack.failure);
extensions[".ts"] = (module, filename) => {
  const relative = path.relative(packDir, filename);
  const compiled = pack.files[relative];
  if (compiled) {
    /** @type {any} */ (module)._compile(compiled.js, filename);
    return;
  }
  // A file no static import reaches (a computed require): type-checked and compiled on its own.
  const alone = compile([filename]);
  if (alone.failure !== undefined) failToCompile(alone.failure);
  const own = alone.files[relative];
  if (!own) throw new Error(`${filename} compiled to no JavaScript`);
  /** @type {any} */ (module)._compile(own.js, filename);
};

// From here on as `run-policy-pack`'s entry point, with TypeScript already handled: an error the
// pack does not handle ends the process with a non-zero exit code.
const uncaught = new Set();
const logged = new Set();
const onUncaught = (/** @type {unknown} */ error) => {
  uncaught.add(error);
};
process.on("uncaughtException", onUncaught);
process.on("unhandledRejection", onUncaught);
process.on("exit", (code) => {
  if (code === 0 && uncaught.size > 0) process.exitCode = [...uncaught].every((e) => logged.has(e)) ? 32 : 1;
});
require(path.join(runPolicyPackDir, "run")).run({
  argv: { _: ["."] },
  programStarted: () => undefined,
  reportLoggedError: (/** @type {unknown} */ error) => logged.add(error),
  typeScript: false,
});
