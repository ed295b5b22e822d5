// @ts-check
"use strict";
// Preloaded into the program's process, before tsx: the program's TypeScript compiles as under the
// CLI's Node.js host (@pulumi/pulumi cmd/run/run.js), where ts-node compiles it with the project's
// tsconfig.json (its `extends` included) under run.js's options: `target` ES2020 unless the file's
// own `compilerOptions` names one. What that decides and tsx would decide otherwise is how class
// fields behave (`useDefineForClassFields`, which TypeScript derives from the target): a field a
// subclass redeclares keeps its base class's value under ES2020, and is reset under ES2022. tsx is
// given a tsconfig.json of the plan's making (TSX_TSCONFIG_PATH) that extends the project's, applies
// to every file, and sets it.
//
// Deciding it takes TypeScript's own reading of the tsconfig.json chain (about 60 ms to load), so
// the decision is kept in the plan's cache, keyed by the project's tsconfig.json, and used while
// every file of the chain is as it was.
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { markUsed, writeCacheFile } = require("../cacheFile.cjs");
const { planCacheDir } = require("../planCacheDir.cjs");

/** Bumped when what is kept, or how it is decided, changes. */
const FORMAT = "program-typescript-v1";
/** Decisions and generated tsconfig.json files kept (a few hundred bytes each): two per tsconfig.json of a project. */
const FILES_KEPT = 512;
/** run.js's `target` when the project's tsconfig.json names none in its own compilerOptions. */
const CLI_HOST_TARGET = "es2020";
/** TypeScript's "no inputs were found": not an error of the options, which a program's files do not need. */
const NO_INPUTS = 18003;
/** Targets under which TypeScript defines class fields ([[Define]]) unless told otherwise. */
const DEFINE_TARGETS = new Set(["es2022", "es2023", "es2024", "es2025", "esnext"]);

/** @param {string | Buffer} data */
function sha256(data) {
  return crypto.createHash("sha256").update(data).digest("hex");
}

/** @param {string} file */
function hashOf(file) {
  try {
    return sha256(fs.readFileSync(file));
  } catch {
    return undefined;
  }
}

/**
 * `useDefineForClassFields` as ts-node gets it from run.js, read with TypeScript; and the
 * tsconfig.json files it depends on, when the chain reads without errors (a file it extends may be
 * missing now and appear later: then nothing is kept).
 * @param {string} tsconfig
 * @returns {{ useDefineForClassFields: boolean, chain: string[] | undefined }}
 */
function decideWithTypeScript(tsconfig) {
  const ts = /** @type {typeof import("typescript")} */ (require("typescript"));
  const read = ts.readConfigFile(tsconfig, ts.sys.readFile);
  const own = /** @type {Record<string, unknown>} */ (read.config?.compilerOptions ?? {});
  /** @type {Map<string, unknown>} */
  const extended = new Map();
  const parsed = ts.parseJsonConfigFileContent(read.config ?? {}, ts.sys, path.dirname(tsconfig), undefined, tsconfig, undefined, undefined, /** @type {any} */ (extended));
  const target = typeof own.target === "string" ? own.target.toLowerCase() : CLI_HOST_TARGET;
  const explicit = parsed.options.useDefineForClassFields;
  const complete = !read.error && parsed.errors.every((error) => error.code === NO_INPUTS);
  return {
    useDefineForClassFields: typeof explicit === "boolean" ? explicit : DEFINE_TARGETS.has(target),
    chain: complete ? [tsconfig, ...[...extended.keys()].map((file) => path.resolve(file))] : undefined,
  };
}

/**
 * The decision for the project's tsconfig.json, kept or made.
 * @param {string} tsconfig
 * @param {string} cacheDir
 * @returns {boolean}
 */
function useDefineForClassFields(tsconfig, cacheDir) {
  const text = fs.readFileSync(tsconfig);
  const entry = path.join(cacheDir, "program-typescript", `${sha256(`${FORMAT}\0${tsconfig}\0${sha256(text)}`)}.json`);
  try {
    const kept = JSON.parse(fs.readFileSync(entry, "utf8"));
    if (typeof kept.useDefineForClassFields === "boolean" && Object.entries(kept.chain).every(([file, hash]) => hashOf(file) === hash)) {
      markUsed(entry);
      return kept.useDefineForClassFields;
    }
  } catch {
    // none kept, or not whole: decided below
  }
  const decided = decideWithTypeScript(tsconfig);
  try {
    if (decided.chain) {
      const chain = Object.fromEntries(decided.chain.map((file) => [file, hashOf(file)]));
      writeCacheFile(entry, JSON.stringify({ useDefineForClassFields: decided.useDefineForClassFields, chain }), { keep: FILES_KEPT });
    }
  } catch {
    // a cache that cannot be written costs the next program process the decision again
  }
  return decided.useDefineForClassFields;
}

/**
 * Writes the tsconfig.json tsx compiles the program with, and points tsx at it.
 * @param {string} projectDir
 * @param {string} cacheDir
 */
function compileAsTheCliHost(projectDir, cacheDir) {
  const tsconfig = path.join(projectDir, "tsconfig.json");
  const exists = fs.existsSync(tsconfig);
  let defineFields = DEFINE_TARGETS.has(CLI_HOST_TARGET);
  if (exists) {
    try {
      defineFields = useDefineForClassFields(tsconfig, cacheDir);
    } catch {
      // a tsconfig.json TypeScript cannot read fails ts-node under the CLI too: tsx reports it
      return;
    }
  }
  const config = {
    ...(exists ? { extends: tsconfig } : {}),
    compilerOptions: { useDefineForClassFields: defineFields },
    // ts-node compiles every file the program loads with these options, whatever `include` says
    include: [`${path.parse(projectDir).root}**/*`],
    exclude: [],
  };
  const text = JSON.stringify(config);
  const name = `tsconfig-${sha256(text).slice(0, 32)}.json`;
  // where the cache cannot be written (a read-only install), a file of this process's own
  const places = [() => path.join(cacheDir, "program-typescript"), () => fs.mkdtempSync(path.join(os.tmpdir(), "aml-program-typescript-"))];
  for (const place of places) {
    try {
      const file = path.join(place(), name);
      // the cache keeps what was used in the last minutes; were it removed before tsx reads it, tsx would refuse to start
      if (hashOf(file) !== sha256(text)) writeCacheFile(file, text, { keep: FILES_KEPT });
      else markUsed(file);
      process.env.TSX_TSCONFIG_PATH = file;
      return;
    } catch {
      // the next place
    }
  }
}

if (require("node:worker_threads").isMainThread) compileAsTheCliHost(process.cwd(), planCacheDir());
