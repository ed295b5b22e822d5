// @ts-check
"use strict";
// A command's TypeScript modules and their dependencies as one CommonJS file, bundled by the esbuild
// that tsx compiles with: the command's process reads and compiles one file instead of resolving,
// reading and compiling some 330 modules one by one. Built on first use under the plan's cache
// directory and rebuilt when a file it was built from, a directory holding one or the package.json
// of its package changes size or modification time. The package's own plain CommonJS modules (the
// plan's plan/**/*.cjs) stay outside the bundle: the command shares them, and their state, with
// what loaded them before it (bin, the early start).
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const { markUsed, writeCacheFile } = require("./cacheFile.cjs");
const { planCacheDir } = require("./planCacheDir.cjs");

/** Bumped when what a bundle holds, or how it is built, changes. */
const FORMAT = "command-bundle-v4";
/** Bundles kept (about 2 MiB each): one per command, per installed copy of the package. */
const BUNDLES_KEPT = 16;

/** The name of the bundle's generated entry, which exports the entries. */
const ENTRY_SOURCE = "<command-bundle-entry>";

/**
 * Files a bundle depends on without esbuild listing them as inputs: what decides how it compiles.
 * @type {readonly string[]}
 */
const BUILD_INPUTS = ["tsx/package.json", "esbuild/package.json"];

/**
 * @typedef {[file: string, size: number, mtimeMs: number]} FileStamp
 * @typedef {{ format: string, entries: string[], stamps: FileStamp[], codeLength: number }} BundleManifest
 */

/** @param {string} data */
const sha256 = (data) => crypto.createHash("sha256").update(data).digest("hex");

/** @param {string} file its name without directory or extension */
const stem = (file) => path.basename(file).replace(/\.[^.]*$/, "");

/**
 * Where the bundle of `entries` is kept: one file, its manifest on the first line, so that a bundle
 * and the description of what it was built from are replaced together.
 * @param {readonly string[]} entries
 * @param {string} cacheDir
 */
function bundleFile(entries, cacheDir) {
  return path.join(cacheDir, "command-bundles", `${stem(entries[0] ?? "bundle")}-${sha256(JSON.stringify([FORMAT, entries])).slice(0, 16)}.cjs`);
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
 * A kept bundle: its manifest and its code (the manifest line included, a comment); no manifest
 * when the file is not whole (its code is not as long as the manifest says).
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
  markUsed(file);
  const lineEnd = code.indexOf("\n");
  try {
    const manifest = /** @type {BundleManifest} */ (JSON.parse(code.slice(0, lineEnd).replace(/^\/\/ /, "")));
    return { manifest: lineEnd >= 0 && code.length - lineEnd - 1 === manifest.codeLength ? manifest : undefined, code };
  } catch {
    return { manifest: undefined, code };
  }
}

/**
 * The manifest as the bundle's first line, a comment: U+2028 and U+2029, which JSON leaves as they
 * are in a path, would end a JavaScript comment.
 * @param {BundleManifest} manifest
 */
const manifestLine = (manifest) => `// ${JSON.stringify(manifest).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029")}\n`;

/**
 * Builds the bundle of `entries` (each exported as `m<index>`) with `tsconfig`, by the esbuild tsx
 * compiles with (so that it compiles the TypeScript as tsx does), and the stamps of
 * the files and directories it was built from; undefined when it does not build (the caller loads
 * the sources, whose errors say what is wrong). A file is stamped before it is read, so a file
 * changed while the bundle builds never matches its stamp: the next start builds again.
 * @param {readonly string[]} entries
 * @param {string} packageDir
 * @param {string} tsconfig
 * @returns {Promise<{ code: string, stamps: FileStamp[] } | undefined>}
 */
async function build(entries, packageDir, tsconfig) {
  /** @type {NodeJS.Require} */
  let tsxRequire;
  /** @type {import("esbuild")} */
  let esbuild;
  try {
    tsxRequire = Module.createRequire(require.resolve("tsx/package.json"));
    esbuild = tsxRequire("esbuild");
  } catch {
    return undefined;
  }
  const buildInputs = BUILD_INPUTS.flatMap((request) => {
    try {
      return [tsxRequire.resolve(request)];
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
      // as Node.js resolves the `require` tsx compiles each import to: never a package's "module"
      // field, nor its "module" export condition, which esbuild otherwise adds
      mainFields: ["main"],
      conditions: [],
      tsconfig,
      write: false,
      metafile: true,
      keepNames: true,
      minifyWhitespace: true,
      logLevel: "silent",
      plugins: [importsResolvedAsRequires(), ownCommonJsOutside(packageDir), stampedReads(stamps, packageDir)],
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
  const dirs = new Set(inputs.map((input) => path.dirname(input)));
  // a file added beside an input can change what an import resolves to
  for (const dir of dirs) stamps.set(dir, stampOf(dir));
  // so can a package.json ("exports", "main", "type") of the package holding an input
  for (const manifest of packageManifests(dirs, packageDir)) if (!stamps.has(manifest)) stamps.set(manifest, stampOf(manifest));
  // in path order: esbuild reads files in parallel, and the same inputs make the same manifest
  const all = [...stamps.values()].sort((a, b) => ((a?.[0] ?? "") < (b?.[0] ?? "") ? -1 : 1));
  if (all.some((stamp) => stamp === undefined)) return undefined;
  return { code: output.text, stamps: /** @type {FileStamp[]} */ (all) };
}

/**
 * The package.json files that decide how the files in `dirs` resolve and load: in each directory from
 * one of them up to the root of its package (a directory in node_modules, or `packageDir`).
 * @param {Iterable<string>} dirs
 * @param {string} packageDir
 */
function packageManifests(dirs, packageDir) {
  /** @type {Set<string>} */
  const manifests = new Set();
  /** @type {Set<string>} */
  const seen = new Set();
  for (let dir of dirs) {
    while (!seen.has(dir) && path.basename(dir) !== "node_modules") {
      seen.add(dir);
      const manifest = path.join(dir, "package.json");
      if (fs.existsSync(manifest)) manifests.add(manifest);
      const parent = path.dirname(dir);
      const packageRoot = dir === packageDir || path.basename(parent) === "node_modules" || (path.basename(parent).startsWith("@") && path.basename(path.dirname(parent)) === "node_modules");
      if (packageRoot || parent === dir) break;
      dir = parent;
    }
  }
  return manifests;
}

/**
 * Resolves each `import` of a package as a `require` of it: tsx compiles the one to the other, so
 * that Node.js picks a package's "require" export, where esbuild would pick its "import" one.
 * @returns {import("esbuild").Plugin}
 */
function importsResolvedAsRequires() {
  const again = Symbol("resolved as a require");
  return {
    name: "imports-resolved-as-requires",
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.kind !== "import-statement" || args.pluginData === again) return undefined;
        const resolved = await builder.resolve(args.path, { kind: "require-call", importer: args.importer, resolveDir: args.resolveDir, pluginData: again });
        if (resolved.errors.length > 0) return undefined;
        const { path: file, namespace, external, sideEffects, suffix } = resolved;
        return { path: file, namespace, external, sideEffects, suffix };
      });
    },
  };
}

/** How esbuild loads a file, by extension, when it loads it from the file system itself. */
/** @type {Readonly<Record<string, import("esbuild").Loader>>} */
const LOADERS = { ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx", ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "jsx", ".json": "json" };

/** A module's own `__dirname` or `__filename`, which in a bundle would be those of the bundle. */
const OWN_LOCATION = /\b__(?:dirname|filename)\b/;

/** An ES module's own location, which a CommonJS bundle would leave empty. */
const IMPORT_META_LOCATION = /\bimport\.meta\.(url|dirname|filename)\b/g;

/**
 * Reads each file for esbuild, stamping it first, into `stamps`. Each module keeps its own location
 * as it has when Node.js loads it: the package's own TypeScript that uses `__dirname` or
 * `__filename` gets them (tsx compiles it to CommonJS), and any ES module its `import.meta.url`,
 * `import.meta.dirname` and `import.meta.filename` (a dependency finding its own files from there).
 * @param {Map<string, FileStamp | undefined>} stamps
 * @param {string} packageDir
 * @returns {import("esbuild").Plugin}
 */
function stampedReads(stamps, packageDir) {
  return {
    name: "stamped-reads",
    setup(builder) {
      builder.onLoad({ filter: /.*/, namespace: "file" }, (args) => {
        const loader = LOADERS[path.extname(args.path)];
        if (loader === undefined) return undefined;
        stamps.set(args.path, stampOf(args.path));
        const contents = fs.readFileSync(args.path);
        const source = contents.toString("utf8");
        const ownTypeScript = (loader === "ts" || loader === "tsx") && isOwn(args.path, packageDir);
        const withLocation = ownTypeScript && OWN_LOCATION.test(source);
        if (!withLocation && !source.includes("import.meta")) return { contents, loader };
        const location = withLocation ? `const __dirname = ${JSON.stringify(path.dirname(args.path))}, __filename = ${JSON.stringify(args.path)};` : "";
        const own = { url: pathToFileURL(args.path).href, dirname: path.dirname(args.path), filename: args.path };
        const located = source.replace(IMPORT_META_LOCATION, (_, key) => JSON.stringify(own[/** @type {"url" | "dirname" | "filename"} */ (key)]));
        return { contents: `${location}${located}`, loader };
      });
    },
  };
}

/**
 * Whether `file` is of the package in `packageDir` itself, not of one of its dependencies.
 * @param {string} file
 * @param {string} packageDir
 */
function isOwn(file, packageDir) {
  const relative = path.relative(packageDir, file);
  return !relative.startsWith("..") && !path.isAbsolute(relative) && !relative.split(path.sep).includes("node_modules");
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
        if (!args.path.startsWith(".") || !isOwn(args.importer, packageDir)) return undefined;
        return { path: path.resolve(args.resolveDir, args.path), external: true };
      });
    },
  };
}

/**
 * Whether this process can create files in `dir`: in it if it exists, else in its nearest existing
 * ancestor, which must be a directory.
 * @param {string} dir
 */
function canCreateIn(dir) {
  for (let at = dir; ; at = path.dirname(at)) {
    let stat;
    try {
      stat = fs.statSync(at);
    } catch {
      if (path.dirname(at) === at) return false;
      continue;
    }
    if (!stat.isDirectory()) return false;
    try {
      fs.accessSync(at, fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  }
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
  let kept = readBundle(file);
  let built = false;
  if (!kept || !isCurrent(kept.manifest, entries)) {
    // a bundle that could not be kept would be built on every start, which costs more than the sources
    if (!canCreateIn(path.dirname(file))) return undefined;
    const fresh = await build(entries, packageDir, tsconfig);
    if (!fresh) return undefined;
    /** @type {BundleManifest} */
    const manifest = { format: FORMAT, entries: [...entries], stamps: fresh.stamps, codeLength: fresh.code.length };
    kept = { manifest, code: `${manifestLine(manifest)}${fresh.code}` };
    try {
      writeCacheFile(file, kept.code, { keep: BUNDLES_KEPT });
    } catch {
      // a bundle that cannot be kept (a full disk) still runs: the next start builds it again
    }
    built = true;
  }
  const loaded = runBundle(kept.code, path.join(path.dirname(first), `${stem(first)}.bundle.cjs`));
  return { modules: entries.map((_, index) => loaded[`m${index}`] ?? {}), built };
}

module.exports = { loadBundle };
