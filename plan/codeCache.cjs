"use strict";
// A V8 code cache for the plan's own processes (the plan's and the program's), which load the same
// modules on every run: @pulumi/pulumi, gRPC, the providers' resource classes, the plan's and the
// program's TypeScript. The cache is made after the code ran, so it holds the functions compiled
// while running as well as each module's top level. V8 checks cached code against the source's
// length only, so each entry is kept with the SHA-256 of the source it was made from and used only
// for that source. One file per kind of process (each runs with its own V8 flags), per Node.js
// version, under the plan's cache directory; it is written only when a module compiled without it.
const crypto = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const vm = require("node:vm");
const { markUsed, writeCacheFile } = require("./cacheFile.cjs");
const { planCacheDir } = require("./planCacheDir.cjs");

const DYNAMIC_IMPORT = /\bimport\s*\(/;

/** Bumped when the file format changes. */
const FORMAT = "v1";
/** Cache files kept: one per kind of process (a handful) for each Node.js version in use. */
const FILES_KEPT = 24;
const HASH_LENGTH = 32;

/** @typedef {{ hash: Buffer, data: Buffer }} CachedCode */
/** @type {{ file: string, cached: Map<string, CachedCode>, scripts: Map<string, { hash: Buffer, script: import("node:vm").Script }>, stale: boolean } | undefined} */
let state;

function cacheFile(/** @type {string} */ kind) {
  return path.join(planCacheDir(), "code-cache", `${kind}-${FORMAT}-${process.version}-${process.arch}.bin`);
}

/** Entries of a cache file: [u32 name length][name][SHA-256 of the source][u32 data length][data]... */
function readEntries(/** @type {string} */ file) {
  /** @type {Map<string, CachedCode>} */
  const entries = new Map();
  let buffer;
  try {
    buffer = fs.readFileSync(file);
  } catch {
    return entries;
  }
  markUsed(file);
  let at = 0;
  while (at + 4 <= buffer.length) {
    const nameLength = buffer.readUInt32LE(at);
    const name = buffer.toString("utf8", at + 4, at + 4 + nameLength);
    at += 4 + nameLength;
    if (at + HASH_LENGTH + 4 > buffer.length) break;
    const hash = buffer.subarray(at, at + HASH_LENGTH);
    const dataLength = buffer.readUInt32LE(at + HASH_LENGTH);
    at += HASH_LENGTH + 4;
    if (at + dataLength > buffer.length) break;
    entries.set(name, { hash, data: buffer.subarray(at, at + dataLength) });
    at += dataLength;
  }
  return entries;
}

/** Compiles every CommonJS module of this process through the cache of `kind`. */
function enableCodeCache(/** @type {string} */ kind) {
  if (state) return;
  const file = cacheFile(kind);
  const current = (state = { file, cached: readEntries(file), scripts: new Map(), stale: false });
  const compile = Module.prototype._compile;
  Module.prototype._compile = function compileWithCodeCache(/** @type {string} */ content, /** @type {string} */ filename) {
    // code that may import() compiles as Node.js compiles it: code from a cache loses its import()
    if (DYNAMIC_IMPORT.test(content)) return compile.call(this, content, filename);
    const hash = crypto.createHash("sha256").update(content).digest();
    const entry = current.cached.get(filename);
    const cachedData = entry && entry.hash.equals(hash) ? entry.data : undefined;
    const script = new vm.Script(Module.wrap(content), { filename, ...(cachedData ? { cachedData } : {}) });
    if (!cachedData || script.cachedDataRejected) current.stale = true;
    current.scripts.set(filename, { hash, script });
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, path.dirname(filename));
  };
  process.on("exit", saveCodeCache);
}

/** `require` as Node.js makes it for a module. */
function requireFor(/** @type {import("node:module")} */ module) {
  const require = (/** @type {string} */ id) => module.require(id);
  require.resolve = (/** @type {string} */ request, /** @type {{ paths?: string[] } | undefined} */ options) =>
    /** @type {any} */ (Module)._resolveFilename(request, module, false, options);
  require.resolve.paths = (/** @type {string} */ request) => /** @type {any} */ (Module)._resolveLookupPaths(request, module);
  require.main = process.mainModule;
  require.extensions = /** @type {any} */ (Module)._extensions;
  require.cache = /** @type {any} */ (Module)._cache;
  return require;
}

/** Writes the cache when a module compiled without it; a cache that cannot be written costs only time. */
function saveCodeCache() {
  if (!state?.stale) return;
  state.stale = false;
  try {
    const parts = [];
    for (const [filename, { hash, script }] of state.scripts) {
      const name = Buffer.from(filename);
      const data = script.createCachedData();
      const lengths = Buffer.alloc(8);
      lengths.writeUInt32LE(name.length, 0);
      lengths.writeUInt32LE(data.length, 4);
      parts.push(lengths.subarray(0, 4), name, hash, lengths.subarray(4, 8), data);
    }
    writeCacheFile(state.file, Buffer.concat(parts), { keep: FILES_KEPT });
  } catch {
    // the next process compiles without it
  }
}

module.exports = { enableCodeCache, saveCodeCache };
