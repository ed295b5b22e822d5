// @ts-check
"use strict";
// Plain CommonJS: the code cache (codeCache.cjs) needs it before any TypeScript loads.
const path = require("node:path");

/**
 * Where the package keeps what it derives once and reuses across runs (compiled policy packs, the
 * output-only fields of SDK packages, V8 code caches, the component plugin's schema):
 * `AML_PLAN_CACHE_DIR`, else this package's `node_modules/.cache/aml-webservices`. Every entry is
 * keyed by what it was derived from, so a stale entry is never read, and each kind keeps a bounded
 * number (`cacheFile.cjs`); deleting the directory only costs the next run the work.
 * @returns {string}
 */
function planCacheDir() {
  return process.env.AML_PLAN_CACHE_DIR
    ? path.resolve(process.env.AML_PLAN_CACHE_DIR)
    : path.join(__dirname, "..", "node_modules", ".cache", "aml-webservices");
}

module.exports = { planCacheDir };
