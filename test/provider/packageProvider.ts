import * as path from "node:path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import type { PackageSpec } from "@pulumi/pulumi/provider/experimental/schema";
import { PACKAGE_COMPONENTS, PACKAGE_NAME } from "../../provider/components";

let provider: ComponentProvider | undefined;

/**
 * The provider exactly as provider/index.ts hosts it, without starting a gRPC server: one per test
 * process, so that its schema, which the SDK derives from the components' TypeScript source (seconds),
 * is derived once for the files that read it.
 */
export function packageProvider(): ComponentProvider {
  provider ??= new ComponentProvider({ name: PACKAGE_NAME, dirname: path.resolve(__dirname, "../../provider"), components: PACKAGE_COMPONENTS });
  return provider;
}

export async function packageSchema(provider: ComponentProvider): Promise<PackageSpec> {
  return JSON.parse(await provider.getSchema()) as PackageSpec;
}

export const TOKENS = {
  MlWorkspace: `${PACKAGE_NAME}:index:MlWorkspace`,
  AadApplications: `${PACKAGE_NAME}:index:AadApplications`,
  AksInferenceCluster: `${PACKAGE_NAME}:index:AksInferenceCluster`,
  ModelWebService: `${PACKAGE_NAME}:index:ModelWebService`,
} as const;
