import { describe, expect, it } from "vitest";
import type { RecordedResource } from "../../plan/recordedResource";
import { FAKE_TENANT_ID } from "../../plan/azureFakes";
import { inputs, outputs, programResources, single, UNKNOWN_VALUE } from "../harness/records";
import { runStack, sharedStackRun, STACKS } from "../harness/stackRun";

const STACK = "pulumi:pulumi:Stack";
const COMPONENT = "aml-webservices:index";

/** `type name ← parent name`, the shape of a resource graph independent of registration order. */
function graph(resources: readonly RecordedResource[]): string[] {
  const nameOf = new Map(resources.map((r) => [r.urn, r.type === STACK ? "stack" : r.name]));
  return programResources(resources)
    .map((r) => `${r.type} ${r.name} ← ${r.parent ? nameOf.get(r.parent) : "none"}`)
    .sort();
}

const platform = [
  `${COMPONENT}:MlWorkspace platform ← stack`,
  "azure-native:resources:ResourceGroup platform-resource-group ← platform",
  "azure-native:storage:StorageAccount platform-storage ← platform",
  "azure-native:keyvault:Vault platform-key-vault ← platform",
  "azure-native:operationalinsights:Workspace platform-log-analytics ← platform",
  "azure-native:applicationinsights:Component platform-application-insights ← platform",
  "azure-native:containerregistry:Registry platform-container-registry ← platform",
  "azure-native:machinelearningservices:Workspace platform-workspace ← platform",
];
const zones = ["api-azureml-ms", "notebooks-azure-net", "blob-core-windows-net", "file-core-windows-net", "vaultcore-azure-net", "azurecr-io"];
const privateNetwork = [
  "azure-native:network:VirtualNetwork platform-virtual-network ← platform",
  "azure-native:network:Subnet platform-private-endpoint-subnet ← platform",
  "azure-native:network:Subnet platform-aks-subnet ← platform",
  ...zones.flatMap((zone) => [
    `azure-native:privatedns:PrivateZone platform-dns-${zone} ← platform`,
    `azure-native:privatedns:VirtualNetworkLink platform-dns-${zone}-link ← platform`,
  ]),
  ...["workspace", "blob", "file", "vault", "registry"].flatMap((target) => [
    `azure-native:network:PrivateEndpoint platform-private-endpoint-${target} ← platform`,
    `azure-native:network:PrivateDnsZoneGroup platform-private-endpoint-${target}-dns ← platform`,
  ]),
];
const aad = [
  `${COMPONENT}:AadApplications aad ← stack`,
  "azuread:index/applicationRegistration:ApplicationRegistration aad-web ← aad",
  "azuread:index/applicationIdentifierUri:ApplicationIdentifierUri aad-web-identifier-uri ← aad",
  "azuread:index/applicationPermissionScope:ApplicationPermissionScope aad-web-user-impersonation ← aad",
  "azuread:index/servicePrincipal:ServicePrincipal aad-web-service-principal ← aad",
  "azuread:index/applicationRegistration:ApplicationRegistration aad-native ← aad",
  "azuread:index/applicationFallbackPublicClient:ApplicationFallbackPublicClient aad-native-public-client ← aad",
  "azuread:index/applicationRedirectUris:ApplicationRedirectUris aad-native-redirect-uris ← aad",
  "azuread:index/applicationApiAccess:ApplicationApiAccess aad-native-api-access ← aad",
  "azuread:index/servicePrincipal:ServicePrincipal aad-native-service-principal ← aad",
  "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant aad-admin-consent ← aad",
];
const inference = [
  `${COMPONENT}:AksInferenceCluster inference ← stack`,
  "azure-native:containerservice:ManagedCluster inference-managed-cluster ← inference",
  "azure-native:kubernetesconfiguration:Extension inference-azureml-extension ← inference",
  "pulumi:providers:kubernetes inference-kubernetes ← inference",
  "kubernetes:core/v1:Namespace inference-azureml-namespace ← inference",
  "kubernetes:core/v1:Secret inference-tls-secret ← inference",
  "kubernetes:core/v1:Namespace inference-inference-namespace ← inference",
  "azure-native:machinelearningservices:Compute inference-compute ← inference",
];
// prod's workspace is high business impact: the compute's identity gets both storage roles
const hbiStorageAccess = [
  "azure-native:authorization:RoleAssignment inference-compute-storage-blob-data-contributor ← inference",
  "azure-native:authorization:RoleAssignment inference-compute-storage-account-contributor ← inference",
];
function service(name: string, auth: "key" | "token", compute: "managed" | "aks" = "managed"): string[] {
  return [
    `${COMPONENT}:ModelWebService ${name} ← stack`,
    ...(compute === "aks" ? [`kubernetes:amlarc.azureml.com/v1alpha1:InstanceType ${name}-instance-type ← ${name}`] : []),
    `azure-native:machinelearningservices:OnlineEndpoint ${name}-endpoint ← ${name}`,
    `azure-native:machinelearningservices:OnlineDeployment ${name}-deployment ← ${name}`,
    `azure-native:resources:Deployment ${name}-traffic ← ${name}`,
    `azure-native:authorization:RoleDefinition ${name}-consumer-role ← ${name}`,
    `azure-native:authorization:RoleAssignment ${name}-consumer-web-application ← ${name}`,
    ...(auth === "key"
      ? [`random:index/randomPassword:RandomPassword ${name}-primary-key ← ${name}`, `random:index/randomPassword:RandomPassword ${name}-secondary-key ← ${name}`]
      : []),
  ];
}

const expectedGraphs: Record<(typeof STACKS)[number], string[]> = {
  dev: [...platform, ...aad, ...service("credit-score", "key")],
  staging: [...platform, ...aad, ...inference, ...service("credit-score", "token", "aks")],
  prod: [
    ...platform,
    ...privateNetwork,
    ...aad,
    ...inference,
    "azure-native:authorization:RoleAssignment inference-subnet-network-contributor ← inference",
    ...hbiStorageAccess,
    ...service("credit-score", "token", "aks"),
    ...service("fraud-check", "token"),
  ],
};

describe.each(STACKS)("stack %s", (stack) => {
  it("plans its full resource graph without errors or warnings", async () => {
    const run = await sharedStackRun(stack);
    expect(run.errors).toEqual([]);
    expect(run.messages).toEqual([]);
    expect(graph(run.resources)).toEqual([...expectedGraphs[stack]].sort());
  });

  it("is deterministic: two runs record identical resources", async () => {
    for (const preview of [true, false]) {
      // the shared run and a run of its own: two runs of the program
      const first = await sharedStackRun(stack, { preview });
      const second = await runStack(stack, { preview });
      expect(second.resources).toEqual(first.resources);
    }
  });

  it("keeps ids, keys and endpoints unknown during preview", async () => {
    const { resources, stackOutputs } = await sharedStackRun(stack);
    for (const resource of programResources(resources).filter((r) => r.custom)) expect(resource.id).toBeUndefined();
    expect(stackOutputs).toEqual({});
    const deployment = resources.find((r) => r.type === "azure-native:machinelearningservices:OnlineDeployment")!;
    expect(inputs(deployment).endpointName).toBe(UNKNOWN_VALUE);
  });
});

describe("stack-specific behaviour", () => {
  it("protects every stateful resource in prod and nothing in dev or staging", async () => {
    // The network holds no data: it is not protected.
    const stateful = (resources: readonly RecordedResource[]) =>
      resources.filter((r) => r.parent?.endsWith("MlWorkspace::platform") && !/^azure-native:(network|privatedns):/.test(r.type));
    const prod = stateful((await sharedStackRun("prod")).resources);
    expect(prod).toHaveLength(7);
    expect(prod.every((r) => r.protect)).toBe(true);
    for (const stack of ["dev", "staging"]) {
      expect((await sharedStackRun(stack)).resources.some((r) => r.protect)).toBe(false);
    }
  });

  it("serves dev with key auth, staging with AML tokens on AKS, prod with AML tokens on AKS and Entra ID tokens on a managed endpoint", async () => {
    const authModes = async (stack: string) =>
      Object.fromEntries(
        (await sharedStackRun(stack, { preview: false })).resources
          .filter((r) => r.type === "azure-native:machinelearningservices:OnlineEndpoint" && r.name.endsWith("-endpoint"))
          .map((r) => {
            const properties = inputs(r).properties as Record<string, unknown>;
            return [inputs(r).endpointName, [properties.authMode, properties.compute === undefined ? "managed" : "kubernetes"]];
          }),
      );
    expect(await authModes("dev")).toEqual({ "credit-score-dev": ["Key", "managed"] });
    expect(await authModes("staging")).toEqual({ "credit-score-staging": ["AMLToken", "kubernetes"] });
    expect(await authModes("prod")).toEqual({ "credit-score-prod": ["AMLToken", "kubernetes"], "fraud-check-prod": ["AADToken", "managed"] });
  });

  it.each(STACKS)("knows every endpoint's auth settings in a first preview of %s, so no auth check waits for the update", async (stack) => {
    const { resources } = await sharedStackRun(stack);
    const endpoints = resources.filter((r) => r.type === "azure-native:machinelearningservices:OnlineEndpoint");
    expect(endpoints.length).toBeGreaterThan(0);
    for (const endpoint of endpoints) {
      const properties = inputs(endpoint).properties;
      expect(properties).not.toBe(UNKNOWN_VALUE);
      expect((properties as Record<string, unknown>).authMode).toMatch(/^(Key|AMLToken|AADToken)$/);
      // Azure generates the first keys; sending them would make the whole properties unknown until update
      expect(properties).not.toHaveProperty("keys");
    }
  });

  it("puts the staging cluster in the workspace's region with 3 nodes and TLS", async () => {
    const { resources } = await sharedStackRun("staging");
    const cluster = inputs(single(resources, "azure-native:containerservice:ManagedCluster"));
    expect(cluster.location).toBe(inputs(single(resources, "azure-native:machinelearningservices:Workspace")).location);
    expect((cluster.agentPoolProfiles as { count: number }[])[0]?.count).toBe(3);
    expect(inputs(single(resources, "azure-native:kubernetesconfiguration:Extension")).configurationSettings).toMatchObject({ allowInsecureConnections: "False" });
  });

  it("exports the client context with the native app as client and the web app as resource", async () => {
    const { resources, stackOutputs } = await sharedStackRun("dev", { preview: false });
    expect(stackOutputs.clientContext).toEqual({
      authuri: "https://login.microsoftonline.com",
      tenant: FAKE_TENANT_ID,
      clientid: outputs(single(resources, "azuread:index/applicationRegistration:ApplicationRegistration", "aad-native")).clientId,
      resource: outputs(single(resources, "azuread:index/applicationRegistration:ApplicationRegistration", "aad-web")).clientId,
    });
  });

  it("exports no client context when aad is not configured", async () => {
    const { resources, stackOutputs, errors } = await sharedStackRun("dev", { preview: false, remove: ["aad"] });
    expect(errors).toEqual([]);
    expect(stackOutputs.clientContext).toBeUndefined();
    expect(resources.some((r) => r.type.startsWith("azuread:"))).toBe(false);
  });
});
