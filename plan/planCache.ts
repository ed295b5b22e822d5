import * as path from "node:path";

/**
 * Where the plan keeps what it derives once and reuses across runs (compiled policy packs, the
 * output-only fields of SDK packages): `AML_PLAN_CACHE_DIR`, else this package's
 * `node_modules/.cache/aml-webservices`. Every entry is keyed by what it was derived from, so a
 * stale entry is never read; deleting the directory only costs the next run the work.
 */
export function planCacheDir(): string {
  return process.env.AML_PLAN_CACHE_DIR
    ? path.resolve(process.env.AML_PLAN_CACHE_DIR)
    : path.join(__dirname, "..", "node_modules", ".cache", "aml-webservices");
}
