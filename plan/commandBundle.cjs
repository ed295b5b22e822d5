// @ts-check
"use strict";
// A command's TypeScript modules and their dependencies as one CommonJS file, bundled by the esbuild
// that tsx compiles with: the command's process reads and compiles one file instead of resolving,
// reading and compiling some 330 modules one by one. Built on first use under the plan's cache
// directory and rebuilt when a file it was built from, or a directory holding one, changes size or
// modification time. The plan's plain CommonJS modules (plan/**/*.cjs) stay outside the bundle: the
// command shares them, and their state, with what loaded them before it (bin, the early start).
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const { planCacheDir } = require("./planCacheDir.cjs");

/** Bumped when what a bundle holds, or how it is built, changes. */
const FORMAT = "command-bundle-v1";

/** The name of the bundle's generated entry, which exports the entries. */
const ENTRY_SOURCE = "<command-bundle-entry>";

/**
 * Files a bundle depends on without esbuild listing them as inputs: what decides how it compiles.
 * @type {readonly string[]}
 */
const BUILD_INPUTS = ["tsx/package.json", "esbuild/package.json"];

/**
 * @typedef {[file: string, size: number, mtimeMs: number]} FileStamp
 * @typedef {{ format: string, entries: string[], stamps: FileStamp[] }} BundleManifest
 */

/** @param {string} data */
const sha256 = (data) => crypto.createHash("sha256").update(data).digest("hex");

/**
 * Where the bundle of `entries` is kept: one file, its manifest on the first line, so that a bundle
 * and the description of what it was built from are replaced together.
 * @param {readonly string[]} entries
 * @param {string} cacheDir
 */
function bundleFile(entries, cacheDir) {
  const name = path.basename(entries[0] ?? "bundle").replace(/\.[^.]*$/, "");
  return path.join(cacheDir, "command-bundles", `${name}-${sha256(JSON.stringify([FORMAT, entries])).slice(0, 16)}.cjs`);
}

/**
 * The size and modification time of `file`, or undefined when it is gone.
 * @param {string} file
 * @returns {FileStamp | undefined}
 */
function stampOf(file) {
  try {
    const stat = fs.statSync(file);
    return [file, stat.size, stat.mtimeMs];
  } catch {
    return undefined;
  }
}

/**
 * Whether the manifest's bundle was built from `entries` and from files that are all as they were.
 * @param {BundleManifest | undefined} manifest
 * @param {readonly string[]} entries
 */
function isCurrent(manifest, entries) {
  if (manifest?.format !== FORMAT || JSON.stringify(manifest.entries) !== JSON.stringify(entries)) return false;
  return manifest.stamps.every(([file, size, mtimeMs]) => {
    const now = stampOf(file);
    return now !== undefined && now[1] === size && now[2] === mtimeMs;
  });
}

/**
 * A kept bundle: its manifest and its code (the manifest line included, a comment).
 * @param {string} file
 * @returns {{ manifest: BundleManifest | undefined, code: string } | undefined}
 */
function readBundle(file) {
  let code;
  try {
    code = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const firstLine = code.slice(0, code.indexOf("\n"));
  try {
    return { manifest: /** @type {BundleManifest} */ (JSON.parse(firstLine.replace(/^\/\/ /, ""))), code };
  } catch {
    return { manifest: undefined, code };
  }
}

/** The esbuild tsx compiles with, so that a bundle compiles the TypeScript as tsx does. */
function tsxRequire() {
  return Module.createRequire(require.resolve("tsx/package.json"));
}

/**
 * Builds the bundle of `entries` (each exported as `m<index>`) with `tsconfig`, and the stamps of
 * the files and directories it was built from; undefined when it does not build (the caller loads
 * the sources, whose errors say what is wrong). A file is stamped before it is read, so a file
 * changed while the bundle builds never matches its stamp: the next start builds again.
 * @param {readonly string[]} entries
 * @param {string} packageDir
 * @param {string} tsconfig
 * @returns {Promise<{ code: string, stamps: FileStamp[] } | undefined>}
 */
async function build(entries, packageDir, tsconfig) {
  /** @type {import("esbuild")} */
  let esbuild;
  try {
    esbuild = tsxRequire()("esbuild");
  } catch {
    return undefined;
  }
  const buildInputs = BUILD_INPUTS.flatMap((request) => {
    try {
      return [tsxRequire().resolve(request)];
    } catch {
      return [];
    }
  });
  /** @type {Map<string, FileStamp | undefined>} */
  const stamps = new Map([tsconfig, ...buildInputs].map((file) => [file, stampOf(file)]));
  const resolveDir = path.dirname(entries[0] ?? tsconfig);
  const contents = entries.map((entry, index) => `export * as m${index} from ${JSON.stringify(entry)};`).join("\n");
  let result;
  try {
    result = await esbuild.build({
      stdin: { contents, resolveDir, sourcefile: ENTRY_SOURCE, loader: "ts" },
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      tsconfig,
      write: false,
      metafile: true,
      keepNames: true,
      minifyWhitespace: true,
      logLevel: "silent",
      plugins: [ownCommonJsOutside(packageDir), stampedReads(stamps)],
    });
  } catch {
    return undefined;
  }
  const output = result.outputFiles?.[0];
  if (!output) return undefined;
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => path.basename(input) !== ENTRY_SOURCE)
    .map((input) => path.resolve(process.cwd(), input));
  for (const input of inputs) if (!stamps.has(input)) stamps.set(input, stampOf(input));
  // a file added beside an input can change what an import resolves to
  for (const dir of new Set(inputs.map((input) => path.dirname(input)))) stamps.set(dir, stampOf(dir));
  const all = [...stamps.values()];
  if (all.some((stamp) => stamp === undefined)) return undefined;
  return { code: output.text, stamps: /** @type {FileStamp[]} */ (all) };
}

/** How esbuild loads a file, by extension, when it loads it from the file system itself. */
/** @type {Readonly<Record<string, import("esbuild").Loader>>} */
const LOADERS = { ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx", ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "jsx", ".json": "json" };

/**
 * Reads each file for esbuild, stamping it first, into `stamps`.
 * @param {Map<string, FileStamp | undefined>} stamps
 * @returns {import("esbuild").Plugin}
 */
function stampedReads(stamps) {
  return {
    name: "stamped-reads",
    setup(builder) {
      builder.onLoad({ filter: /.*/, namespace: "file" }, (args) => {
        const loader = LOADERS[path.extname(args.path)];
        if (loader === undefined) return undefined;
        stamps.set(args.path, stampOf(args.path));
        return { contents: fs.readFileSync(args.path), loader };
      });
    },
  };
}

/**
 * Keeps the `.cjs` modules of the package in `packageDir` (not of its dependencies) out of the bundle,
 * required by their absolute path: one instance of each per process, whoever requires it, and each
 * with its own `__dirname`.
 * @param {string} packageDir
 * @returns {import("esbuild").Plugin}
 */
function ownCommonJsOutside(packageDir) {
  return {
    name: "own-commonjs-outside",
    setup(builder) {
      builder.onResolve({ filter: /\.cjs$/ }, (args) => {
        const importer = path.relative(packageDir, args.importer);
        const ownImporter = !importer.startsWith("..") && !path.isAbsolute(importer) && !importer.split(path.sep).includes("node_modules");
        if (!args.path.startsWith(".") || !ownImporter) return undefined;
        return { path: path.resolve(args.resolveDir, args.path), external: true };
      });
    },
  };
}

/**
 * Writes `file` whole or not at all: another process may read it at any moment.
 * @param {string} file
 * @param {string} text
 */
function writeAtomically(file, text) {
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}

/**
 * Runs the bundle's `code` as if it were the file `runsAs`: its `require` resolves from there at run
 * time, and its code-cache entry (codeCache.cjs) is kept under that name.
 * @param {string} code
 * @param {string} runsAs
 * @returns {Record<string, Record<string, unknown>>}
 */
function runBundle(code, runsAs) {
  const bundle = new Module(runsAs, /** @type {any} */ (module));
  bundle.filename = runsAs;
  bundle.paths = /** @type {any} */ (Module)._nodeModulePaths(path.dirname(runsAs));
  /** @type {any} */ (bundle)._compile(code, runsAs);
  bundle.loaded = true;
  return bundle.exports;
}

/**
 * The modules `entries` (absolute paths of TypeScript files of the package in `packageDir`), in
 * order, loaded from their bundle, built first if it is missing or out of date; undefined when it
 * cannot be built, and the caller then loads the sources. `tsconfig` is the tsconfig.json they
 * compile with. The bundle runs as if it were a file beside the first entry.
 * @param {readonly string[]} entries
 * @param {{ packageDir: string, tsconfig: string, cacheDir?: string }} options
 * @returns {Promise<{ modules: Record<string, unknown>[], built: boolean } | undefined>}
 */
async function loadBundle(entries, { packageDir, tsconfig, cacheDir = planCacheDir() }) {
  const first = entries[0];
  if (first === undefined) return undefined;
  const file = bundleFile(entries, cacheDir);
  let code = readBundle(file);
  let built = false;
  if (!code || !isCurrent(code.manifest, entries)) {
    const fresh = await build(entries, packageDir, tsconfig);
    if (!fresh) return undefined;
    /** @type {BundleManifest} */
    const manifest = { format: FORMAT, entries: [...entries], stamps: fresh.stamps };
    code = { manifest, code: `// ${JSON.stringify(manifest)}\n${fresh.code}` };
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeAtomically(file, code.code);
    } catch {
      // a bundle that cannot be kept still runs: the next start builds it again
    }
    built = true;
  }
  const loaded = runBundle(code.code, path.join(path.dirname(first), `${path.basename(first).replace(/\.[^.]*$/, "")}.bundle.cjs`));
  return { modules: entries.map((_, index) => loaded[`m${index}`] ?? {}), built };
}

module.exports = { loadBundle };
