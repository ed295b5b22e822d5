import { describe, expect, it } from "vitest";
import { parseCliConfig, parseStackConfig, StackConfigError } from "../../components/config";
import { programResources } from "../harness/records";
import { runProgramWithConfig } from "../harness/stackRun";
import { MINIMAL_PACK, ROOT, makeTempDir, removedAfterAll, runCli } from "../plan/helpers";
import * as path from "node:path";

const valid = {
  environment: "dev",
  location: "westeurope",
  services: [{ name: "credit-score", compute: "managed", model: "credit-risk:1" }],
};

const SUBSCRIPTION = "00000000-0000-4000-8000-0000000000a1";
const OTHER_WORKSPACE = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-ml-platform/providers/Microsoft.MachineLearningServices/workspaces/mlw-shared`;
const FOREIGN_WORKSPACE = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-other/providers/Microsoft.MachineLearningServices/workspaces/mlw-other`;
const HUB_NETWORK = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-spoke`;
const PRIVATE_SUBNETS = { addressSpace: "10.50.0.0/16", privateEndpointSubnet: "10.50.0.0/24", aksSubnet: "10.50.16.0/20" };

const aks = { tls: { hostname: "scoring.example.com", certificate: "-----BEGIN CERTIFICATE-----", privateKey: "-----BEGIN PRIVATE KEY-----" } };

function problemsOf(raw: unknown): readonly string[] {
  return problemsFrom(() => parseStackConfig(raw));
}

function problemsFrom(parse: () => unknown): readonly string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof StackConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** The stack config as the Pulumi CLI passes it: namespaced keys, objects as JSON. */
function asCliConfig(raw: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(raw).map(([key, value]) => [`aml-webservices:${key}`, typeof value === "string" ? value : JSON.stringify(value)]),
  );
}

describe("stack configuration defaults", () => {
  it("defaults auth per compute: key on managed, amlToken on aks", () => {
    const config = parseStackConfig({
      ...valid,
      aksCluster: aks,
      services: [
        { name: "managed-one", compute: "managed", model: "m:1" },
        { name: "aks-one", compute: "aks", model: "m:1" },
      ],
    });
    expect(config.services.map((service) => [service.name, service.auth])).toEqual([
      ["managed-one", "key"],
      ["aks-one", "amlToken"],
    ]);
  });

  it("protects stateful resources by default in prod only", () => {
    const protect = (raw: unknown) => {
      const { workspace } = parseStackConfig(raw);
      return workspace.kind === "new" ? workspace.protect : undefined;
    };
    expect(protect({ ...valid, environment: "prod" })).toBe(true);
    expect(protect(valid)).toBe(false);
    expect(protect({ ...valid, environment: "prod", workspace: { protect: false } })).toBe(false);
  });

  it("applies the aad, workspace and cluster defaults", () => {
    const config = parseStackConfig({ ...valid, aad: {}, aksCluster: aks });
    expect(config.aad).toEqual({ authority: "https://login.microsoftonline.com", grantAdminConsent: true });
    // private by default, in an isolated network of its own
    expect(config.workspace).toEqual({
      kind: "new",
      network: { kind: "private", subnets: { kind: "new", addressSpace: "10.40.0.0/16", privateEndpointSubnet: "10.40.0.0/24", aksSubnet: "10.40.16.0/20" } },
      hbi: false,
      protect: false,
      nameSuffix: "",
    });
    expect(config.aksCluster).toEqual({
      kind: "new",
      location: "westeurope",
      nodeCount: 3,
      vmSize: "Standard_D4s_v5",
      tls: aks.tls,
      allowInsecureConnections: false,
      allowCrossRegion: false,
    });
  });

  it("takes a hub team's subnets and DNS zones for a private workspace", () => {
    const hub = {
      subnets: { privateEndpointSubnetId: `${HUB_NETWORK}/subnets/endpoints`, aksSubnetId: `${HUB_NETWORK}/subnets/aks` },
      privateDnsZonesResourceGroupId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-hub-dns`,
      managedOutbound: "AllowOnlyApprovedOutbound",
    };
    const { workspace } = parseStackConfig({ ...valid, workspace: { privateNetwork: hub } });
    expect(workspace).toMatchObject({ kind: "new", network: { kind: "private", ...hub, subnets: { kind: "existing", ...hub.subnets } } });
  });

  it("names an existing workspace and an existing compute of it", () => {
    const config = parseStackConfig({
      ...valid,
      workspace: { existingWorkspaceId: OTHER_WORKSPACE, privateEndpoint: true },
      aksCluster: { existingComputeId: `${OTHER_WORKSPACE}/computes/k8s-shared`, location: "westeurope" },
      services: [{ name: "aks-one", compute: "aks", model: "m:1", instanceType: "mlflow-large" }],
    });
    expect(config.workspace).toEqual({ kind: "existing", workspaceId: OTHER_WORKSPACE, privateEndpoint: true });
    expect(config.aksCluster).toEqual({ kind: "existingCompute", computeId: `${OTHER_WORKSPACE}/computes/k8s-shared`, location: "westeurope", allowCrossRegion: false });
  });

  it("omits aad entirely when it is not configured", () => {
    expect(parseStackConfig(valid).aad).toBeUndefined();
  });

  it("accepts a region's display name and normalises it", () => {
    expect(parseStackConfig({ ...valid, location: "West Europe" }).location).toBe("westeurope");
  });

  it("takes credential readers as object ids, or with their principal type", () => {
    const readers = ["6f1b7a52-93c4-4e3d-9a55-0c2a7f0e1d11", { objectId: "0b5e3a51-1d0a-4a3e-8f1f-2d6c8b7a9e10", type: "ServicePrincipal" }];
    expect(parseStackConfig({ ...valid, services: [{ ...valid.services[0], credentialReaders: readers }] }).services[0]?.credentialReaders).toEqual(readers);
  });

  it("gives an aks service an instance type of its own with Microsoft's MLflow minimum, and a custom model with code any size", () => {
    const config = parseStackConfig({
      ...valid,
      aksCluster: aks,
      services: [
        { name: "mlflow-one", compute: "aks", model: "m:1" },
        {
          name: "custom-one",
          compute: "aks",
          model: "m:1",
          modelFormat: "custom",
          environment: "sklearn:1",
          code: { directory: "test/fixtures/scoring-code", scoringScript: "score.py" },
          resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi", nvidiaGpu: 1 } },
        },
      ],
    });
    expect(config.services.map((s) => [s.modelFormat, s.compute === "aks" ? s.resources : undefined])).toEqual([
      ["mlflow", { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } }],
      ["custom", { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1", memory: "2Gi", nvidiaGpu: 1 } }],
    ]);
  });

  it("names endpoints after service and environment, unique per region", () => {
    expect(parseStackConfig(valid).services[0]?.endpointName).toBe("credit-score-dev");
  });
});

const service = valid.services[0]!;
const READER = "4f2a8c1e-9b3d-4e5f-a6b7-c8d9e0f1a2b3";
const OTHER_READER = "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9";

function forbiddenKey(where: string, key: string): string {
  return `${where}: "${key}" is not allowed as a key anywhere in the stack configuration (it names JavaScript object internals, never a setting; remove it)`;
}
const invalidConfigurations: { name: string; raw: Record<string, unknown>; problems: string[] }[] = [
  {
    name: "aadToken on aks",
    raw: { ...valid, aksCluster: aks, services: [service, { name: "aks-one", compute: "aks", auth: "aadToken", model: "m:1" }] },
    problems: [`services[1].auth: "aadToken" is not supported with compute "aks" (Kubernetes online endpoints support key or amlToken)`],
  },
  {
    name: "aks service without a cluster",
    raw: { ...valid, services: [{ name: "aks-one", compute: "aks", model: "m:1" }] },
    problems: [
      `services[0].compute is "aks" but no aksCluster is configured (add aksCluster with tls to create a cluster, or aksCluster.existingClusterId to attach one)`,
    ],
  },
  {
    name: "missing environment",
    raw: { location: "westeurope" },
    problems: [`environment is required (2-10 lowercase letters or digits, e.g. "dev")`],
  },
  {
    name: "environment with capitals",
    raw: { ...valid, environment: "Dev" },
    problems: [`environment: "Dev" is not allowed (2-10 lowercase letters or digits, e.g. "dev")`],
  },
  {
    name: "missing location",
    raw: { environment: "dev" },
    problems: [`location is required (an Azure region name such as "westeurope")`],
  },
  {
    name: "misspelt region",
    raw: { ...valid, location: "westeurpoe" },
    problems: [`location: "westeurpoe" is not an Azure region (did you mean "westeurope"? use the programmatic name, e.g. "westeurope")`],
  },
  {
    name: "unknown top-level key",
    raw: { ...valid, service: [] },
    problems: [`aml-webservices:service is not a known setting (known: environment, location, aad, workspace, aksCluster, services)`],
  },
  {
    name: "unknown compute",
    raw: { ...valid, services: [{ ...service, compute: "aci" }] },
    problems: [`services[0].compute: "aci" is not allowed (one of "managed" or "aks")`],
  },
  {
    name: "unknown auth",
    raw: { ...valid, services: [{ ...service, auth: "none" }] },
    problems: [`services[0].auth: "none" is not allowed (one of "key", "amlToken", "aadToken")`],
  },
  {
    name: "public network access spelt as a boolean",
    raw: { ...valid, workspace: { publicNetworkAccess: true } },
    problems: [`workspace.publicNetworkAccess: true is not allowed ("Enabled" or "Disabled")`],
  },
  {
    name: "authority over http",
    raw: { ...valid, aad: { authority: "http://login.microsoftonline.com" } },
    problems: [`aad.authority: "http://login.microsoftonline.com" is not allowed (an https URL such as "https://login.microsoftonline.com")`],
  },
  {
    name: "duplicate service names",
    raw: { ...valid, services: [service, { ...service }] },
    problems: [`services[1].name: "credit-score" is already used by services[0] (service names must be unique in a stack)`],
  },
  {
    // Azure resource names are case-insensitive unless noted:
    // https://learn.microsoft.com/en-us/azure/azure-resource-manager/management/resource-name-rules
    name: "service names that differ only in case",
    raw: { ...valid, services: [service, { ...service, name: "Credit-Score" }] },
    problems: [
      `services[1].name: "Credit-Score" differs only in case from "credit-score" of services[0] (Azure names are case-insensitive, so both would be the same online endpoint; service names must be unique in a stack ignoring case)`,
    ],
  },
  {
    // RoleAssignmentExists: https://learn.microsoft.com/en-us/rest/api/authorization/includes/privileged-role-common-errors
    name: "a credential reader twice, in another case",
    raw: { ...valid, services: [{ ...service, credentialReaders: [READER, OTHER_READER, READER.toUpperCase()] }] },
    problems: [
      `services[0].credentialReaders[2]: "${READER.toUpperCase()}" is the same object id as credentialReaders[0] (object ids compare ignoring case, and Azure refuses a second assignment of the same role to the same principal at the same scope; remove the duplicate)`,
    ],
  },
  {
    name: "__proto__ as a top-level key",
    raw: { ...valid, ["__proto__"]: { workspace: { hbi: true } } },
    problems: [forbiddenKey("aml-webservices:__proto__", "__proto__")],
  },
  {
    name: "constructor as a top-level key",
    raw: { ...valid, constructor: "x" },
    problems: [forbiddenKey("aml-webservices:constructor", "constructor")],
  },
  {
    name: "__proto__ and prototype nested in services and the cluster",
    raw: {
      ...valid,
      aksCluster: { ...aks, tls: { ...aks.tls, prototype: { hostname: "evil.example.com" } } },
      services: [{ ...service, ["__proto__"]: { auth: "aadToken" }, keyRotation: { constructor: 1 } }],
    },
    problems: [
      forbiddenKey("services[0].__proto__", "__proto__"),
      forbiddenKey("services[0].keyRotation.constructor", "constructor"),
      forbiddenKey("aksCluster.tls.prototype", "prototype"),
    ],
  },
  {
    name: "endpoint name too long with the environment",
    raw: { ...valid, environment: "production", services: [{ ...service, name: "a-very-long-service-name-here" }] },
    problems: [
      `services[0].name: "a-very-long-service-name-here" gives the online endpoint name "a-very-long-service-name-here-production" (40 characters) breaks Azure's naming rule: 3-32 letters, digits or hyphens, starting with a letter and ending with a letter or digit; unique in its Azure region; shorten the service name`,
    ],
  },
  {
    name: "zero instances",
    raw: { ...valid, services: [{ ...service, instanceCount: 0 }] },
    problems: [`services[0].instanceCount: 0 is not allowed (a whole number from 1 to 100)`],
  },
  {
    name: "credential reader given by name",
    raw: { ...valid, services: [{ ...service, credentialReaders: ["alice@contoso.com"] }] },
    problems: [
      `services[0].credentialReaders[0]: "alice@contoso.com" is not allowed (an Entra object id, a GUID such as "00000000-0000-0000-0000-000000000000"; use the principal's object id, not its name)`,
    ],
  },
  {
    name: "credential reader with a type Azure does not know",
    raw: { ...valid, services: [{ ...service, credentialReaders: [{ objectId: "6f1b7a52-93c4-4e3d-9a55-0c2a7f0e1d11", type: "Robot" }] }] },
    problems: [
      `services[0].credentialReaders[0]: {"objectId":"6f1b7a52-93c4-4e3d-9a55-0c2a7f0e1d11","type":"Robot"} is not allowed (an Entra object id, a GUID such as "00000000-0000-0000-0000-000000000000"; use the principal's object id, not its name, or {objectId, type} with type "User", "Group", "ServicePrincipal")`,
    ],
  },
  {
    name: "custom model without code",
    raw: { ...valid, services: [{ ...service, modelFormat: "custom" }] },
    problems: [
      `services[0].modelFormat is "custom" but services[0].code is missing (Azure ML serves a model that is not MLflow only through a scoring script: give code.directory, code.scoringScript and environment)`,
    ],
  },
  {
    name: "code without environment",
    raw: { ...valid, services: [{ ...service, code: { directory: "test/fixtures/scoring-code", scoringScript: "score.py" } }] },
    problems: [`services[0].code is set without services[0].environment (a scoring script runs in an environment: give environment "<name>:<version>")`],
  },
  {
    name: "scoring script that is not in the code directory",
    raw: { ...valid, services: [{ ...service, modelFormat: "custom", environment: "sklearn:1", code: { directory: "test/fixtures/scoring-code", scoringScript: "../score.py" } }] },
    problems: [`services[0].code.scoringScript "../score.py" must be a path inside code.directory, such as "score.py"`],
  },
  {
    name: "Kubernetes resources on a managed service",
    raw: { ...valid, services: [{ ...service, resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } } }] },
    problems: [`services[0].resources applies only to compute "aks" (managed services size by instanceType)`],
  },
  {
    name: "named instance type and resources together",
    raw: { ...valid, aksCluster: aks, services: [{ ...service, compute: "aks", instanceType: "big", resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } } }] },
    problems: [`services[0].instanceType and services[0].resources are both set (choose one: an instance type that exists on the cluster, or the resources of the service's own)`],
  },
  {
    name: "MLflow model on the default instance type",
    raw: { ...valid, aksCluster: aks, services: [{ ...service, compute: "aks", instanceType: "defaultinstancetype" }] },
    problems: [
      `services[0].instanceType "defaultinstancetype" requests 100m CPU and 2Gi, below Microsoft's minimum for an MLflow model (2 CPU and 4 GB requested); remove instanceType to get an instance type of the service's own, sized by services[0].resources`,
    ],
  },
  {
    name: "MLflow model with too little requested",
    raw: { ...valid, aksCluster: aks, services: [{ ...service, compute: "aks", resources: { requests: { cpu: "500m", memory: "2Gi" }, limits: { cpu: "1", memory: "2Gi" } } }] },
    problems: [
      `services[0].resources.requests 500m CPU / 2Gi is below Microsoft's minimum for an MLflow model, 2 CPU and 4 GB requested (the deployment would fail; request at least cpu "2" and memory "4Gi", or give a scoring script with modelFormat "custom")`,
    ],
  },
  {
    name: "service on an existing compute without one of its instance types",
    raw: {
      ...valid,
      workspace: { existingWorkspaceId: OTHER_WORKSPACE, privateEndpoint: true },
      aksCluster: { existingComputeId: `${OTHER_WORKSPACE}/computes/k8s-shared`, location: "westeurope" },
      services: [
        { name: "aks-one", compute: "aks", model: "m:1" },
        { name: "aks-two", compute: "aks", model: "m:1", resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } } },
        { name: "aks-three", compute: "aks", model: "m:1", modelFormat: "custom", environment: "e:1", instanceType: "big", code: { directory: "test/fixtures/scoring-code", scoringScript: "score.py" } },
      ],
    },
    problems: [
      `services[0].instanceType is required with aksCluster.existingComputeId (name one of the cluster's instance types; this stack creates instance types only on clusters it attaches)`,
      `services[1].resources does not apply to an existing compute, whose cluster its owner manages (name one of its instance types in services[1].instanceType)`,
      `services[2].code needs the workspace's default datastore, known only for a workspace this stack creates (remove workspace.existingWorkspaceId, or register the code in that workspace yourself)`,
    ],
  },
  {
    name: "model that is not a reference",
    raw: { ...valid, services: [{ ...service, model: "model.pkl" }] },
    problems: [
      `services[0].model: "model.pkl" is not allowed ("<name>:<version>" of a model registered in the workspace, an azureml:// asset id, or an ARM id)`,
    ],
  },
  {
    name: "key rotation on a token service",
    raw: { ...valid, services: [{ ...service, auth: "amlToken", keyRotation: { secondary: 1 } }] },
    problems: [`services[0].keyRotation is set but auth is "amlToken" (keys exist only with auth "key"; remove keyRotation)`],
  },
  {
    name: "cluster without TLS",
    raw: { ...valid, aksCluster: { nodeCount: 3 } },
    problems: [
      `aksCluster.tls is required unless aksCluster.allowInsecureConnections is true (the AzureML extension serves scoring over TLS: give tls.hostname with tls.certificate and tls.privateKey, or allow plain HTTP on a test cluster)`,
    ],
  },
  {
    name: "an existing TLS secret in a cluster the stack creates",
    raw: { ...valid, aksCluster: { tls: { hostname: "scoring.example.com", certificateSecret: "corp-tls" } } },
    problems: [
      `aksCluster.tls.certificateSecret names a secret in the cluster this stack creates, which cannot exist before the extension installs (give tls.certificate and tls.privateKey instead; the secret is created for you)`,
    ],
  },
  {
    name: "a certificate without its private key",
    raw: { ...valid, aksCluster: { tls: { hostname: "scoring.example.com", certificate: "-----BEGIN CERTIFICATE-----" } } },
    problems: [`aksCluster.tls needs both certificate and privateKey (PEM, set as secrets with pulumi config set --path --secret)`],
  },
  {
    name: "existing cluster with a node count",
    raw: {
      ...valid,
      aksCluster: {
        ...aks,
        location: "westeurope",
        nodeCount: 3,
        existingClusterId: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-k8s/providers/Microsoft.ContainerService/managedClusters/shared",
      },
    },
    problems: [`aksCluster.nodeCount applies only to a new cluster (remove it, or remove aksCluster.existingClusterId to create the cluster)`],
  },
  {
    name: "token service on a cluster in another region",
    raw: { ...valid, workspace: { publicNetworkAccess: "Enabled" }, aksCluster: { ...aks, location: "northeurope" }, services: [{ name: "aks-one", compute: "aks", model: "m:1" }] },
    problems: [
      `aksCluster.location: "northeurope" differs from location "westeurope", but services[0] uses amlToken on compute "aks" (token auth needs the workspace and the cluster in the same region, because every token request goes to the workspace's region; set aksCluster.location to "westeurope", or set aksCluster.allowCrossRegion: true to accept that risk)`,
    ],
  },
  {
    name: "every token service on a cluster in another region",
    raw: {
      ...valid,
      workspace: { publicNetworkAccess: "Enabled" },
      aksCluster: { ...aks, location: "northeurope" },
      services: [
        { name: "aks-one", compute: "aks", model: "m:1" },
        { name: "aks-keys", compute: "aks", auth: "key", model: "m:1" },
        { name: "aks-two", compute: "aks", auth: "amlToken", model: "m:1" },
      ],
    },
    problems: [0, 2].map(
      (index) =>
        `aksCluster.location: "northeurope" differs from location "westeurope", but services[${index}] uses amlToken on compute "aks" (token auth needs the workspace and the cluster in the same region, because every token request goes to the workspace's region; set aksCluster.location to "westeurope", or set aksCluster.allowCrossRegion: true to accept that risk)`,
    ),
  },
  {
    name: "names that break Azure's storage rule",
    raw: { ...valid, environment: "abcdefghij", location: "australiasoutheast", workspace: { nameSuffix: "abcdef" } },
    problems: [
      `environment, location and workspace.nameSuffix give the storage account name "stamlabcdefghijauseabcdef" (25 characters) breaks Azure's naming rule: 3-24 lowercase letters or digits, globally unique; choose a shorter environment or nameSuffix`,
      `environment, location and workspace.nameSuffix give the key vault name "kv-aml-abcdefghij-ause-abcdef" (29 characters) breaks Azure's naming rule: 3-24 letters, digits or single hyphens, starting with a letter, globally unique; choose a shorter environment or nameSuffix`,
    ],
  },
  {
    name: "unknown key inside a service",
    raw: { ...valid, services: [{ ...service, replicas: 2 }] },
    problems: [
      `services[0].replicas is not a known setting (known: name, compute, auth, model, modelFormat, code, resources, environment, instanceType, instanceCount, credentialReaders, keyRotation)`,
    ],
  },
  {
    name: "private workspace with its cluster in another region, even with allowCrossRegion",
    raw: { ...valid, aksCluster: { ...aks, location: "northeurope", allowCrossRegion: true }, services: [{ name: "aks-one", compute: "aks", auth: "key", model: "m:1" }] },
    problems: [
      `aksCluster.location: "northeurope" differs from location "westeurope", but the workspace has a private endpoint, and Azure then requires its AKS clusters in its region for every auth mode (allowCrossRegion does not apply; set aksCluster.location to "westeurope")`,
    ],
  },
  {
    name: "private network with public access",
    raw: { ...valid, workspace: { publicNetworkAccess: "Enabled", privateNetwork: { subnets: PRIVATE_SUBNETS } } },
    problems: [
      `workspace.privateNetwork is set but workspace.publicNetworkAccess is "Enabled" (a private network comes with public access disabled: remove privateNetwork, or set publicNetworkAccess: "Disabled")`,
    ],
  },
  {
    name: "private network mixing new ranges and hub subnets",
    raw: { ...valid, workspace: { privateNetwork: { subnets: { ...PRIVATE_SUBNETS, aksSubnetId: `${HUB_NETWORK}/subnets/aks` } } } },
    problems: [
      `workspace.privateNetwork.subnets mixes a new network (addressSpace, privateEndpointSubnet, aksSubnet) with existing subnets (privateEndpointSubnetId, aksSubnetId); choose one`,
    ],
  },
  {
    name: "private network with ranges that do not fit",
    raw: {
      ...valid,
      workspace: { privateNetwork: { subnets: { addressSpace: "172.16.0.0/12", privateEndpointSubnet: "10.40.0.0/24", aksSubnet: "172.16.0.0/20" } } },
    },
    problems: [
      `workspace.privateNetwork.subnets.privateEndpointSubnet "10.40.0.0/24" is outside addressSpace "172.16.0.0/12"`,
      `workspace.privateNetwork.subnets.addressSpace "172.16.0.0/12" overlaps the AKS service range 172.16.0.0/16; choose another address space`,
    ],
  },
  {
    name: "a hub's DNS zones for a new network, which they do not resolve in",
    raw: { ...valid, workspace: { privateNetwork: { privateDnsZonesResourceGroupId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-hub-dns` } } },
    problems: [
      `workspace.privateNetwork.privateDnsZonesResourceGroupId names a hub's DNS zones, but the subnets are in a new network that those zones are not linked to (give the hub's subnets, privateEndpointSubnetId and aksSubnetId, or remove privateDnsZonesResourceGroupId to create zones for the new network)`,
    ],
  },
  {
    name: "private network with malformed values",
    raw: {
      ...valid,
      workspace: { privateNetwork: { subnets: { privateEndpointSubnetId: "snet-pe", aksSubnetId: `${HUB_NETWORK}/subnets/aks` }, privateDnsZonesResourceGroupId: "rg-hub" } },
    },
    problems: [
      `workspace.privateNetwork.subnets.privateEndpointSubnetId: "snet-pe" is not allowed (the ARM id of a subnet: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<network>/subnets/<subnet>)`,
      `workspace.privateNetwork.privateDnsZonesResourceGroupId: "rg-hub" is not allowed (the ARM id of a resource group: /subscriptions/<id>/resourceGroups/<group>)`,
    ],
  },
  {
    name: "storage of a high-business-impact workspace without an existing workspace",
    raw: { ...valid, workspace: { hbiStorageAccountId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stshared` } },
    problems: [`workspace.hbiStorageAccountId applies only with workspace.existingWorkspaceId (for a workspace this stack creates, set workspace.hbi)`],
  },
  {
    name: "existing workspace with settings of a new one",
    raw: { ...valid, workspace: { existingWorkspaceId: OTHER_WORKSPACE, hbi: true } },
    problems: [
      `workspace.hbi applies only to a workspace this stack creates (remove it, or remove workspace.existingWorkspaceId)`,
      `workspace.privateEndpoint is required with workspace.existingWorkspaceId (true when the workspace has a private endpoint: its AKS clusters must then be in its region)`,
    ],
  },
  {
    name: "existing compute with cluster settings, in another workspace",
    raw: {
      ...valid,
      workspace: { existingWorkspaceId: OTHER_WORKSPACE, privateEndpoint: false },
      aksCluster: { ...aks, existingComputeId: `${FOREIGN_WORKSPACE}/computes/k8s-shared` },
      services: [{ name: "aks-one", compute: "aks", model: "m:1", instanceType: "mlflow-large" }],
    },
    problems: [
      `aksCluster.tls does not apply to an existing compute, whose cluster and AzureML extension its owner manages (remove it, or remove aksCluster.existingComputeId)`,
      `aksCluster.location is required with aksCluster.existingComputeId (the region of the compute's cluster)`,
      `aksCluster.existingComputeId belongs to workspace "rg-other/mlw-other", but the services' workspace is "rg-ml-platform/mlw-shared" (an endpoint runs only on a compute of its own workspace; set workspace.existingWorkspaceId to the compute's workspace)`,
    ],
  },
];

describe("invalid stack configuration", () => {
  it.each(invalidConfigurations)("$name: reports exactly its problems", ({ raw, problems }) => {
    expect(problemsOf(raw)).toEqual(problems);
  });

  it.each(invalidConfigurations)("$name: the program registers nothing and fails with the message", async ({ raw, problems }) => {
    const run = await runProgramWithConfig(asCliConfig(raw));
    expect(programResources(run.resources)).toEqual([]);
    expect(run.errors).toHaveLength(1);
    for (const problem of problems) expect(run.errors[0]?.message).toContain(problem);
  });

  it("reports every problem of a stack at once", () => {
    const problems = problemsOf({
      environment: "Dev",
      location: "mars",
      workspace: { hbi: "yes" },
      services: [{ name: "x", compute: "aks", auth: "aadToken", model: "m:1" }],
    });
    expect(problems).toEqual([
      `environment: "Dev" is not allowed (2-10 lowercase letters or digits, e.g. "dev")`,
      `location: "mars" is not an Azure region (use the programmatic name, e.g. "westeurope")`,
      `workspace.hbi: "yes" is not allowed (true or false)`,
      `services[0].name: "x" is not allowed (3-32 letters, digits or hyphens, starting with a letter)`,
      `services[0].compute is "aks" but no aksCluster is configured (add aksCluster with tls to create a cluster, or aksCluster.existingClusterId to attach one)`,
      `services[0].auth: "aadToken" is not supported with compute "aks" (Kubernetes online endpoints support key or amlToken)`,
    ]);
  });

  it("states the problem count and lists each problem in the error message", () => {
    expect(() => parseStackConfig({ environment: "Dev" })).toThrow(
      `Invalid stack configuration (2 problems):\n  - environment: "Dev" is not allowed (2-10 lowercase letters or digits, e.g. "dev")\n  - location is required (an Azure region name such as "westeurope")`,
    );
  });
});

describe("configuration keys meant for this project under another namespace", () => {
  const nearMisses = ["aml-webservice:services", "aml-webservicess:services", "aml_webservices:services", "AML-WebServices:services", "amlwebservices:services"];

  it.each(nearMisses)("%s is refused, naming the key and the namespace meant", async (key) => {
    const namespace = key.slice(0, key.indexOf(":"));
    const expected =
      `${key}: "${namespace}" is not this project's configuration namespace, so the program would never read this setting ` +
      `(did you mean "aml-webservices:services"? rename the key)`;
    const config = { ...asCliConfig({ environment: "dev", location: "westeurope" }), [key]: JSON.stringify(valid.services) };
    expect(() => parseCliConfig(config)).toThrow(expected);

    const run = await runProgramWithConfig(config);
    expect(programResources(run.resources)).toEqual([]);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]?.message).toContain(expected);
  });

  const temp = removedAfterAll();

  it("fails the offline plan of a stack file with such a key as a configuration error (exit 2)", async () => {
    const dir = temp(
      makeTempDir({
        "Pulumi.yaml": `name: aml-webservices\nruntime: nodejs\nmain: ${JSON.stringify(path.join(ROOT, "index.ts"))}\n`,
        "Pulumi.typo.yaml": [
          "config:",
          "  aml-webservices:environment: dev",
          "  aml-webservices:location: westeurope",
          "  azure-native:location: westeurope",
          "  aml-webservice:services:",
          "    - name: credit-score",
          "      compute: managed",
          "      model: credit-risk:1",
          "",
        ].join("\n"),
      }),
    );
    const result = await runCli(["plan", "--cwd", dir, "--stack", "typo", "--policy-pack", MINIMAL_PACK]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`aml-webservice:services: "aml-webservice" is not this project's configuration namespace`);
    expect(result.stderr).toContain(`did you mean "aml-webservices:services"?`);
  });

  it("reports an unreadable value with the namespace problems, and nothing that follows from the value missing", () => {
    const config = { ...asCliConfig(valid), "aml-webservices:aksCluster": "{broken", "aml-webservice:location": "westeurope" };
    expect(problemsFrom(() => parseCliConfig(config))).toEqual([
      `aml-webservices:aksCluster: the value is not valid JSON or YAML structure ({broken)`,
      `aml-webservice:location: "aml-webservice" is not this project's configuration namespace, so the program would never read this setting (did you mean "aml-webservices:location"? rename the key)`,
    ]);
  });

  it("accepts the settings of other packages and of the engine", () => {
    const config = {
      ...asCliConfig(valid),
      "azure-native:location": "westeurope",
      "azure-native:subscriptionId": "00000000-0000-0000-0000-000000000001",
      "azuread:tenantId": "00000000-0000-0000-0000-000000000002",
      "kubernetes:context": "aks-dev",
      "pulumi:tags": JSON.stringify({ team: "scoring" }),
      "random:seed": "1",
    };
    expect(parseCliConfig(config).services.map((s) => s.name)).toEqual(["credit-score"]);
  });
});

describe("stack configuration and prototypes", () => {
  it("does not read settings smuggled in through __proto__", () => {
    // assigned naively, this key would become the prototype of the parsed object and supply its settings
    const smuggled = { "aml-webservices:__proto__": JSON.stringify(valid) };
    expect(() => parseCliConfig(smuggled)).toThrow(forbiddenKey("aml-webservices:__proto__", "__proto__"));
    expect(() => parseCliConfig(smuggled)).toThrow(`environment is required`);
  });

  it("leaves Object.prototype untouched whatever the keys", () => {
    const hostile = {
      "aml-webservices:__proto__": JSON.stringify({ polluted: true }),
      "aml-webservices:services": `[{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}]`,
    };
    expect(() => parseCliConfig(hostile)).toThrow(StackConfigError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  });
});
