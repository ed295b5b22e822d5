import { describe, expect, it } from "vitest";
import { AksInferenceCluster, NETWORK_CONTRIBUTOR_ROLE_ID } from "../../components/aksInferenceCluster";
import { MlWorkspace } from "../../components/mlWorkspace";
import type { AksClusterSource } from "../../components/aksInferenceCluster";
import type { WorkspaceNetwork } from "../../components/workspaceNetwork";
import { FAKE_SUBSCRIPTION_ID } from "../../plan/azureFakes";
import { inputs, ofType, programResources, single } from "../harness/records";
import { EXISTING_CLUSTER_ID, runComponents } from "../harness/componentRun";

const T = {
  storage: "azure-native:storage:StorageAccount",
  keyVault: "azure-native:keyvault:Vault",
  registry: "azure-native:containerregistry:Registry",
  workspace: "azure-native:machinelearningservices:Workspace",
  virtualNetwork: "azure-native:network:VirtualNetwork",
  subnet: "azure-native:network:Subnet",
  privateEndpoint: "azure-native:network:PrivateEndpoint",
  zoneGroup: "azure-native:network:PrivateDnsZoneGroup",
  zone: "azure-native:privatedns:PrivateZone",
  zoneLink: "azure-native:privatedns:VirtualNetworkLink",
  cluster: "azure-native:containerservice:ManagedCluster",
  roleAssignment: "azure-native:authorization:RoleAssignment",
};
const NEW_NETWORK: WorkspaceNetwork = {
  kind: "private",
  subnets: { kind: "new", addressSpace: "10.40.0.0/16", privateEndpointSubnet: "10.40.0.0/24", aksSubnet: "10.40.16.0/20" },
};
const HUB = `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-hub`;
const HUB_SUBNETS: WorkspaceNetwork = {
  kind: "private",
  subnets: {
    kind: "existing",
    privateEndpointSubnetId: `${HUB}/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/endpoints`,
    aksSubnetId: `${HUB}/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/aks`,
  },
  privateDnsZonesResourceGroupId: `${HUB}-dns`,
  managedOutbound: "AllowOnlyApprovedOutbound",
};

/**
 * Each private endpoint's sub-resource (group id) and DNS zones, as Microsoft lists them:
 * https://learn.microsoft.com/azure/private-link/private-endpoint-dns (azure-docs articles/private-link/private-endpoint-dns.md),
 * rows "Azure Machine Learning (Microsoft.MachineLearningServices/workspaces) / amlworkspace",
 * "Storage account (Microsoft.Storage/storageAccounts) / blob", "... / file", "Azure Key Vault (Microsoft.KeyVault/vaults) / vault",
 * "Azure Container Registry (Microsoft.ContainerRegistry/registries) / registry".
 */
const EXPECTED_PRIVATE_LINKS = [
  { target: "workspace", connectsTo: T.workspace, groupId: "amlworkspace", zones: ["privatelink.api.azureml.ms", "privatelink.notebooks.azure.net"] },
  { target: "blob", connectsTo: T.storage, groupId: "blob", zones: ["privatelink.blob.core.windows.net"] },
  { target: "file", connectsTo: T.storage, groupId: "file", zones: ["privatelink.file.core.windows.net"] },
  { target: "vault", connectsTo: T.keyVault, groupId: "vault", zones: ["privatelink.vaultcore.azure.net"] },
  { target: "registry", connectsTo: T.registry, groupId: "registry", zones: ["privatelink.azurecr.io"] },
] as const;

async function build(network: WorkspaceNetwork, cluster?: AksClusterSource, allowCrossRegion = false) {
  return runComponents(
    () => {
      const workspace = new MlWorkspace("platform", { environment: "prod", location: "westeurope", network, protect: false });
      if (cluster) new AksInferenceCluster("inference", { workspace, cluster, transport: { kind: "insecure" }, allowCrossRegion });
    },
    { fakes: { existingClusters: { [EXISTING_CLUSTER_ID]: { location: "northeurope" } } } },
  );
}

describe("MlWorkspace: private network", () => {
  it("disables public access on the workspace and everything it depends on, and sends managed deployments through the managed network", async () => {
    const { resources, errors } = await build(NEW_NETWORK);
    expect(errors).toEqual([]);
    expect(inputs(single(resources, T.workspace))).toMatchObject({ publicNetworkAccess: "Disabled", managedNetwork: { isolationMode: "AllowInternetOutbound" } });
    expect(inputs(single(resources, T.storage)).publicNetworkAccess).toBe("Disabled");
    expect((inputs(single(resources, T.keyVault)).properties as Record<string, unknown>).publicNetworkAccess).toBe("Disabled");
    expect(inputs(single(resources, T.registry)).publicNetworkAccess).toBe("Disabled");
  });

  it("connects a private endpoint to the workspace, blob, file, key vault and registry, each registered in Microsoft's DNS zones", async () => {
    const { resources } = await build(NEW_NETWORK);
    const network = single(resources, T.virtualNetwork);
    expect(inputs(network).addressSpace).toEqual({ addressPrefixes: ["10.40.0.0/16"] });
    const endpointSubnet = single(resources, T.subnet, "platform-private-endpoint-subnet");
    expect(inputs(endpointSubnet)).toMatchObject({ addressPrefix: "10.40.0.0/24", privateEndpointNetworkPolicies: "Disabled" });
    const zones = new Map(ofType(resources, T.zone).map((zone) => [inputs(zone).privateZoneName, zone]));
    expect([...zones.keys()].sort()).toEqual(EXPECTED_PRIVATE_LINKS.flatMap((link) => link.zones).sort());
    for (const link of ofType(resources, T.zoneLink)) expect(inputs(link)).toMatchObject({ virtualNetwork: { id: network.id }, registrationEnabled: false });
    expect(ofType(resources, T.zoneLink)).toHaveLength(zones.size);
    for (const expected of EXPECTED_PRIVATE_LINKS) {
      const endpoint = single(resources, T.privateEndpoint, `platform-private-endpoint-${expected.target}`);
      expect(inputs(endpoint)).toMatchObject({
        location: "westeurope",
        subnet: { id: endpointSubnet.id },
        privateLinkServiceConnections: [{ privateLinkServiceId: single(resources, expected.connectsTo).id, groupIds: [expected.groupId] }],
      });
      const group = inputs(single(resources, T.zoneGroup, `platform-private-endpoint-${expected.target}-dns`));
      expect(group.privateEndpointName).toBe(inputs(endpoint).privateEndpointName);
      expect((group.privateDnsZoneConfigs as { privateDnsZoneId: string }[]).map((config) => config.privateDnsZoneId)).toEqual(
        expected.zones.map((zone) => zones.get(zone)?.id),
      );
    }
  });

  it("uses a hub team's subnets and DNS zones, and creates neither network nor zones", async () => {
    const { resources, errors } = await build(HUB_SUBNETS);
    expect(errors).toEqual([]);
    expect([...ofType(resources, T.virtualNetwork), ...ofType(resources, T.subnet), ...ofType(resources, T.zone), ...ofType(resources, T.zoneLink)]).toEqual([]);
    expect(inputs(single(resources, T.workspace)).managedNetwork).toMatchObject({ isolationMode: "AllowOnlyApprovedOutbound" });
    const endpoint = inputs(single(resources, T.privateEndpoint, "platform-private-endpoint-workspace"));
    expect(endpoint.subnet).toMatchObject({ id: `${HUB}/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/endpoints` });
    const group = inputs(single(resources, T.zoneGroup, "platform-private-endpoint-workspace-dns"));
    expect((group.privateDnsZoneConfigs as { privateDnsZoneId: string }[]).map((config) => config.privateDnsZoneId)).toEqual([
      `${HUB}-dns/providers/Microsoft.Network/privateDnsZones/privatelink.api.azureml.ms`,
      `${HUB}-dns/providers/Microsoft.Network/privateDnsZones/privatelink.notebooks.azure.net`,
    ]);
  });

  it("creates no network for a public workspace", async () => {
    const { resources } = await build({ kind: "public" });
    expect(inputs(single(resources, T.workspace)).publicNetworkAccess).toBe("Enabled");
    expect(inputs(single(resources, T.workspace)).managedNetwork).toBeUndefined();
    expect(resources.filter((r) => /^azure-native:(network|privatedns):/.test(r.type))).toEqual([]);
  });

  it("refuses address ranges that do not fit, before registering anything", async () => {
    const { resources, errors } = await build({
      kind: "private",
      subnets: { kind: "new", addressSpace: "10.40.0.0/16", privateEndpointSubnet: "10.41.0.0/24", aksSubnet: "10.40.0.0/20" },
    });
    expect(programResources(resources)).toEqual([]);
    expect(errors.map((error) => error.message)).toEqual([
      `MlWorkspace "platform": network.subnets.privateEndpointSubnet "10.41.0.0/24" is outside addressSpace "10.40.0.0/16"`,
    ]);
  });
});

describe("AksInferenceCluster in a private workspace", () => {
  it("puts new nodes in the network's AKS subnet and lets the cluster manage load balancers there", async () => {
    const { resources, errors } = await build(NEW_NETWORK, { kind: "new" });
    expect(errors).toEqual([]);
    const subnet = single(resources, T.subnet, "platform-aks-subnet");
    expect(subnet.id).toBe(`/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-aml-prod-weu/providers/Microsoft.Network/virtualNetworks/vnet-aml-prod-weu/subnets/snet-aks`);
    const cluster = single(resources, T.cluster);
    expect(inputs(cluster)).toMatchObject({
      agentPoolProfiles: [{ vnetSubnetID: subnet.id }],
      networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", serviceCidr: "172.16.0.0/16", dnsServiceIP: "172.16.0.10" },
    });
    // Network Contributor, https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/networking#network-contributor
    expect(NETWORK_CONTRIBUTOR_ROLE_ID).toBe("4d97b98b-1d4f-4787-a291-c67834d212e7");
    const grant = inputs(single(resources, T.roleAssignment));
    expect(grant).toMatchObject({
      scope: subnet.id,
      principalType: "ServicePrincipal",
      roleDefinitionId: `/subscriptions/${FAKE_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR_ROLE_ID}`,
    });
  });

  it.each([
    ["a new cluster", { kind: "new", location: "northeurope" } as AksClusterSource],
    ["an attached cluster", { kind: "existing", clusterId: EXISTING_CLUSTER_ID, location: "northeurope" } as AksClusterSource],
  ])("refuses %s outside the workspace's region for every auth mode, allowCrossRegion or not", async (_, cluster) => {
    const { resources, errors } = await build(NEW_NETWORK, cluster, true);
    expect(resources.filter((r) => r.parent?.includes("AksInferenceCluster"))).toEqual([]);
    expect(errors.map((error) => error.message)).toEqual([
      `AksInferenceCluster "inference": the workspace has a private endpoint, so Azure requires the AKS cluster in the workspace's region "westeurope", ` +
        `for every auth mode, but the cluster is in "northeurope" (allowCrossRegion does not apply); use a cluster in "westeurope"`,
    ]);
  });

  it("refuses an attached cluster whose region, read from Azure, is not the workspace's, before attaching it", async () => {
    const { resources, errors } = await build(NEW_NETWORK, { kind: "existing", clusterId: EXISTING_CLUSTER_ID });
    expect(ofType(resources, "azure-native:machinelearningservices:Compute")).toEqual([]);
    expect(errors.map((error) => error.message).join("\n")).toContain(`the cluster is in "northeurope" (allowCrossRegion does not apply)`);
  });
});
