import { describe, expect, it } from "vitest";
import { MlWorkspace } from "../../components/mlWorkspace";
import type { MlWorkspaceArgs } from "../../components/mlWorkspace";
import { childrenOf, inputs, programResources, single, UNKNOWN_VALUE } from "../harness/records";
import { runComponents } from "../harness/componentRun";

const T = {
  component: "aml-webservices:index:MlWorkspace",
  resourceGroup: "azure-native:resources:ResourceGroup",
  storage: "azure-native:storage:StorageAccount",
  keyVault: "azure-native:keyvault:Vault",
  logAnalytics: "azure-native:operationalinsights:Workspace",
  insights: "azure-native:applicationinsights:Component",
  registry: "azure-native:containerregistry:Registry",
  workspace: "azure-native:machinelearningservices:Workspace",
};

async function build(args: Partial<MlWorkspaceArgs> = {}, preview = false) {
  return runComponents(
    () => {
      new MlWorkspace("platform", { environment: "dev", location: "westeurope", network: { kind: "public" }, ...args });
    },
    { preview },
  );
}

describe("MlWorkspace", () => {
  it("parents every Azure resource to the component", async () => {
    const { resources, errors } = await build();
    expect(errors).toEqual([]);
    const component = single(resources, T.component);
    expect(childrenOf(resources, component).map((r) => r.type).sort()).toEqual(
      [T.resourceGroup, T.storage, T.keyVault, T.logAnalytics, T.insights, T.registry, T.workspace].sort(),
    );
  });

  it("names everything from environment and region", async () => {
    const { resources } = await build();
    expect(inputs(single(resources, T.resourceGroup)).resourceGroupName).toBe("rg-aml-dev-weu");
    expect(inputs(single(resources, T.storage)).accountName).toBe("stamldevweu");
    expect(inputs(single(resources, T.keyVault)).vaultName).toBe("kv-aml-dev-weu");
    expect(inputs(single(resources, T.registry)).registryName).toBe("cramldevweu");
    expect(inputs(single(resources, T.workspace)).workspaceName).toBe("mlw-dev-weu");
  });

  it("locks the storage account down", async () => {
    const storage = inputs(single((await build()).resources, T.storage));
    expect(storage).toMatchObject({
      enableHttpsTrafficOnly: true,
      minimumTlsVersion: "TLS1_2",
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
    });
  });

  it("gives the workspace identity-based datastores, which is what lets shared keys go", async () => {
    const workspace = inputs(single((await build()).resources, T.workspace));
    expect(workspace.systemDatastoresAuthMode).toBe("Identity");
  });

  it("uses RBAC on the key vault, with purge protection only when protected", async () => {
    const open = inputs(single((await build({ protect: false })).resources, T.keyVault)).properties as Record<string, unknown>;
    expect(open.enableRbacAuthorization).toBe(true);
    expect(open.enablePurgeProtection).toBeUndefined();
    const locked = inputs(single((await build({ protect: true })).resources, T.keyVault)).properties as Record<string, unknown>;
    expect(locked.enablePurgeProtection).toBe(true);
  });

  it("sends Application Insights to the Log Analytics workspace", async () => {
    const { resources } = await build();
    const insights = single(resources, T.insights);
    const logs = single(resources, T.logAnalytics);
    expect(inputs(insights)).toMatchObject({ ingestionMode: "LogAnalytics", workspaceResourceId: logs.id });
    expect(insights.dependencies).toContain(logs.urn);
  });

  it("disables the registry's admin user", async () => {
    expect(inputs(single((await build()).resources, T.registry)).adminUserEnabled).toBe(false);
  });

  it("builds the workspace on its dependencies with a system identity and no v1 legacy mode", async () => {
    const { resources } = await build({ hbi: true });
    const workspace = single(resources, T.workspace);
    expect(inputs(workspace)).toMatchObject({
      identity: { type: "SystemAssigned" },
      v1LegacyMode: false,
      publicNetworkAccess: "Enabled",
      hbiWorkspace: true,
      storageAccount: single(resources, T.storage).id,
      keyVault: single(resources, T.keyVault).id,
      applicationInsights: single(resources, T.insights).id,
      containerRegistry: single(resources, T.registry).id,
    });
    for (const dependency of [T.storage, T.keyVault, T.insights, T.registry, T.resourceGroup]) {
      expect(workspace.dependencies).toContain(single(resources, dependency).urn);
    }
  });


  it("protects every stateful resource in prod by default, and none in dev", async () => {
    const prod = programResources((await build({ environment: "prod" })).resources).filter((r) => r.custom);
    expect(prod.length).toBe(7);
    expect(prod.every((r) => r.protect)).toBe(true);
    const dev = programResources((await build()).resources).filter((r) => r.custom);
    expect(dev.some((r) => r.protect)).toBe(false);
  });

  it("keeps ids unknown during preview", async () => {
    const { resources } = await build({}, true);
    expect(single(resources, T.workspace).id).toBeUndefined();
    expect(inputs(single(resources, T.workspace)).storageAccount).toBe(UNKNOWN_VALUE);
  });

  it("refuses names that break Azure's rules, naming the rule, before registering anything", async () => {
    const { resources, errors } = await build({ environment: "abcdefghij", location: "australiasoutheast", nameSuffix: "abcdef" });
    expect(programResources(resources)).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([
      `MlWorkspace "platform": storage account name "stamlabcdefghijauseabcdef" (25 characters) breaks Azure's naming rule: 3-24 lowercase letters or digits, globally unique; ` +
        `key vault name "kv-aml-abcdefghij-ause-abcdef" (29 characters) breaks Azure's naming rule: 3-24 letters, digits or single hyphens, starting with a letter, globally unique`,
    ]);
  });
});
