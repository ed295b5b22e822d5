import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { PackageSpec } from "@pulumi/pulumi/provider/experimental/schema";
import { PACKAGE_COMPONENTS, PACKAGE_NAME } from "../../provider/components";
import { SchemaCachingProvider } from "../../provider/schemaCachingProvider";

export const PROVIDER_DIR = path.resolve(__dirname, "../../provider");

let provider: SchemaCachingProvider | undefined;
let cacheDir: string | undefined;

/**
 * The provider as provider/index.ts hosts it, without starting a gRPC server, over a cache directory
 * of this test process: one per process, so that its schema, which the SDK derives from the components'
 * TypeScript source (seconds), is derived once, here and now, for the files that read it.
 */
export function packageProvider(): SchemaCachingProvider {
  provider ??= new SchemaCachingProvider({ name: PACKAGE_NAME, dirname: PROVIDER_DIR, components: PACKAGE_COMPONENTS, cacheDir: providerCacheDir() });
  return provider;
}

/** The cache directory `packageProvider()` derived its schema into, removed when this process exits. */
export function providerCacheDir(): string {
  if (!cacheDir) {
    const dir = mkdtempSync(path.join(tmpdir(), "aml-provider-cache-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    cacheDir = dir;
  }
  return cacheDir;
}

export async function packageSchema(provider: SchemaCachingProvider): Promise<PackageSpec> {
  return JSON.parse(await provider.getSchema()) as PackageSpec;
}

export const TOKENS = {
  MlWorkspace: `${PACKAGE_NAME}:index:MlWorkspace`,
  AadApplications: `${PACKAGE_NAME}:index:AadApplications`,
  AksInferenceCluster: `${PACKAGE_NAME}:index:AksInferenceCluster`,
  ModelWebService: `${PACKAGE_NAME}:index:ModelWebService`,
} as const;
