import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { isSecretEnvelope, UNKNOWN } from "./wireValues";

type Mocks = pulumi.runtime.Mocks;
type MockResourceArgs = pulumi.runtime.MockResourceArgs;
type MockResourceResult = pulumi.runtime.MockResourceResult;
type MockCallArgs = pulumi.runtime.MockCallArgs;
type MockCallResult = pulumi.runtime.MockCallResult;
type Inputs = Record<string, unknown>;

export interface AzureFakeOptions {
  /**
   * Preview semantics: ids and computed outputs stay unknown, as in `pulumi preview` of a new
   * stack. Otherwise every output is known, as after `pulumi up`.
   */
  preview: boolean;
  subscriptionId?: string;
  tenantId?: string;
  /** clusters that exist before the program runs, by ARM id (matched case-insensitively) */
  existingClusters?: Readonly<Record<string, { readonly location: string }>>;
  /** Entra object types by object id; any other id is taken for a service principal */
  directoryObjects?: Readonly<Record<string, "User" | "Group" | "ServicePrincipal">>;
  /** nested properties the provider computes (`properties.scoringUri`), by type: unknown in preview */
  outputOnlyPaths?: (type: string) => readonly string[];
}

export const FAKE_SUBSCRIPTION_ID = "00000000-0000-4000-8000-0000000000a1";
export const FAKE_TENANT_ID = "00000000-0000-4000-8000-0000000000b2";
export const FAKE_DEPLOYER_OBJECT_ID = "00000000-0000-4000-8000-0000000000c3";

/** Deterministic UUID-shaped value derived from its seed. */
export function fakeUuid(seed: string): string {
  const hex = createHash("sha256").update(seed).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function fakeSecretText(seed: string, length: number): string {
  let text = "";
  for (let round = 0; text.length < length; round++) {
    text += createHash("sha256").update(`${seed}#${round}`).digest("base64url");
  }
  return text.slice(0, length);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function record(value: unknown): Inputs {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Inputs) : {};
}

/**
 * Fakes of Azure, Entra ID and Kubernetes for Pulumi's mock runtime. Ids are ARM-shaped and
 * computed outputs look like the real ones; in preview they stay unknown.
 */
export class AzureFakes implements Mocks {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly invocations: MockCallArgs[] = [];
  /** what these fakes could not answer faithfully, for the report */
  readonly limits: string[] = [];
  /** ARM ids created so far: Azure refuses to create one twice */
  private readonly created = new Set<string>();

  constructor(private readonly options: AzureFakeOptions) {
    this.subscriptionId = options.subscriptionId ?? FAKE_SUBSCRIPTION_ID;
    this.tenantId = options.tenantId ?? FAKE_TENANT_ID;
  }

  newResource(args: MockResourceArgs): MockResourceResult {
    const inputs = record(args.inputs);
    if (args.custom === false) return { id: undefined, state: {} };
    if (this.options.preview && !args.id) {
      return { id: undefined, state: withUnknownPaths(inputs, this.options.outputOnlyPaths?.(args.type) ?? []) };
    }
    const id = this.idOf(args.type, args.name, inputs);
    if (id.startsWith("/subscriptions/")) {
      const key = id.toLowerCase();
      if (this.created.has(key)) throw new Error(`cannot create already existing resource '${id}'`);
      this.created.add(key);
    }
    return { id, state: { ...inputs, ...this.computedOutputs(args.type, args.name, inputs, id) } };
  }

  call(args: MockCallArgs): MockCallResult {
    this.invocations.push(args);
    const inputs = record(args.inputs);
    switch (args.token) {
      case "azure-native:authorization:getClientConfig":
        return {
          clientId: fakeUuid("deployer-client"),
          objectId: FAKE_DEPLOYER_OBJECT_ID,
          subscriptionId: this.subscriptionId,
          tenantId: this.tenantId,
        };
      case "azuread:index/getClientConfig:getClientConfig":
        return { clientId: fakeUuid("deployer-client"), objectId: FAKE_DEPLOYER_OBJECT_ID, tenantId: this.tenantId };
      case "azuread:index/getDirectoryObject:getDirectoryObject": {
        const objectId = text(inputs.objectId) ?? "";
        return { id: objectId, objectId, type: this.options.directoryObjects?.[objectId] ?? "ServicePrincipal" };
      }
      case "azure-native:machinelearningservices:listOnlineEndpointKeys": {
        const endpoint = `${text(inputs.workspaceName)}/${text(inputs.endpointName)}`;
        return {
          primaryKey: fakeSecretText(`${endpoint}/primary`, 32),
          secondaryKey: fakeSecretText(`${endpoint}/secondary`, 32),
        };
      }
      case "azure-native:machinelearningservices:getOnlineEndpointToken":
        return {
          accessToken: `eyJ${fakeSecretText(`${text(inputs.endpointName)}/token`, 60)}`,
          expiryTimeUtc: 1_900_000_000,
          refreshAfterTimeUtc: 1_899_990_000,
          tokenType: "Bearer",
        };
      case "azure-native:containerservice:getManagedCluster": {
        const id = `${this.providerPath(inputs, "Microsoft.ContainerService")}/managedClusters/${text(inputs.resourceName)}`;
        const known = Object.entries(this.options.existingClusters ?? {}).find(([clusterId]) => clusterId.toLowerCase() === id.toLowerCase());
        if (!known) throw new Error(`ResourceNotFound: The Resource 'Microsoft.ContainerService/managedClusters/${text(inputs.resourceName)}' was not found.`);
        return { id, name: text(inputs.resourceName), location: known[1].location, identity: { type: "SystemAssigned" } };
      }
      case "azure-native:containerservice:listManagedClusterUserCredentials":
        return { kubeconfigs: [{ name: "clusterUser", value: fakeKubeconfig(text(inputs.resourceName) ?? "cluster") }] };
      case "kubernetes:helm:template": {
        // Rendering a chart needs helm and the chart's repository: in preview the rendered objects stay
        // unknown; when deploying, the plan cannot list them, and says so.
        const chart = (() => {
          try {
            const options = JSON.parse(text(inputs.jsonOpts) ?? "{}") as Record<string, unknown>;
            return text(options.chart) ?? text(options.path) ?? "a chart";
          } catch {
            return "a chart";
          }
        })();
        this.limits.push(`the Helm chart ${chart} is not rendered offline: the resources it creates are not planned or checked`);
        return { result: this.options.preview ? UNKNOWN : [] };
      }
      default:
        throw new Error(
          `invoke '${args.token}' cannot be answered offline: the plan has no fake of it. ` +
            "Read the value from stack config instead, or add a fake to plan/azureFakes.ts.",
        );
    }
  }

  private resourceGroupPath(inputs: Inputs): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${text(inputs.resourceGroupName) ?? "unknown-rg"}`;
  }

  private providerPath(inputs: Inputs, namespace: string): string {
    return `${this.resourceGroupPath(inputs)}/providers/${namespace}`;
  }

  private idOf(type: string, name: string, inputs: Inputs): string {
    const named = (key: string): string => text(inputs[key]) ?? autoName(name);
    const workspace = (): string =>
      `${this.providerPath(inputs, "Microsoft.MachineLearningServices")}/workspaces/${text(inputs.workspaceName)}`;
    if (type.startsWith("pulumi:providers:")) return fakeUuid(`provider/${name}`);
    if (/^azure-native[^:]*:machinelearningservices[^:]*:(ACIService|AKSService)$/.test(type)) {
      return `${workspace()}/services/${named("serviceName")}`;
    }
    switch (type) {
      case "azure-native:resources:Deployment":
        return `${this.providerPath(inputs, "Microsoft.Resources")}/deployments/${named("deploymentName")}`;
      case "azure-native:resources:ResourceGroup":
        return `/subscriptions/${this.subscriptionId}/resourceGroups/${named("resourceGroupName")}`;
      case "azure-native:storage:StorageAccount":
        return `${this.providerPath(inputs, "Microsoft.Storage")}/storageAccounts/${named("accountName")}`;
      case "azure-native:keyvault:Vault":
        return `${this.providerPath(inputs, "Microsoft.KeyVault")}/vaults/${named("vaultName")}`;
      case "azure-native:operationalinsights:Workspace":
        return `${this.providerPath(inputs, "Microsoft.OperationalInsights")}/workspaces/${named("workspaceName")}`;
      case "azure-native:applicationinsights:Component":
        return `${this.providerPath(inputs, "Microsoft.Insights")}/components/${named("resourceName")}`;
      case "azure-native:containerregistry:Registry":
        return `${this.providerPath(inputs, "Microsoft.ContainerRegistry")}/registries/${named("registryName")}`;
      case "azure-native:containerservice:ManagedCluster":
        return `${this.providerPath(inputs, "Microsoft.ContainerService")}/managedClusters/${named("resourceName")}`;
      case "azure-native:machinelearningservices:Workspace":
        return `${this.providerPath(inputs, "Microsoft.MachineLearningServices")}/workspaces/${named("workspaceName")}`;
      case "azure-native:machinelearningservices:Compute":
        return `${workspace()}/computes/${named("computeName")}`;
      case "azure-native:machinelearningservices:OnlineEndpoint":
        return `${workspace()}/onlineEndpoints/${named("endpointName")}`;
      case "azure-native:machinelearningservices:OnlineDeployment":
        return `${workspace()}/onlineEndpoints/${text(inputs.endpointName)}/deployments/${named("deploymentName")}`;
      case "azure-native:kubernetesconfiguration:Extension":
        return (
          `${this.providerPath(inputs, text(inputs.clusterRp) ?? "Microsoft.ContainerService")}/` +
          `${text(inputs.clusterResourceName) ?? "managedClusters"}/${text(inputs.clusterName)}` +
          `/providers/Microsoft.KubernetesConfiguration/extensions/${named("extensionName")}`
        );
      case "azure-native:network:VirtualNetwork":
        return `${this.providerPath(inputs, "Microsoft.Network")}/virtualNetworks/${named("virtualNetworkName")}`;
      case "azure-native:network:Subnet":
        return `${this.providerPath(inputs, "Microsoft.Network")}/virtualNetworks/${text(inputs.virtualNetworkName)}/subnets/${named("subnetName")}`;
      case "azure-native:network:PrivateEndpoint":
        return `${this.providerPath(inputs, "Microsoft.Network")}/privateEndpoints/${named("privateEndpointName")}`;
      case "azure-native:network:PrivateDnsZoneGroup":
        return `${this.providerPath(inputs, "Microsoft.Network")}/privateEndpoints/${text(inputs.privateEndpointName)}/privateDnsZoneGroups/${named("privateDnsZoneGroupName")}`;
      case "azure-native:privatedns:PrivateZone":
        return `${this.providerPath(inputs, "Microsoft.Network")}/privateDnsZones/${named("privateZoneName")}`;
      case "azure-native:privatedns:VirtualNetworkLink":
        return `${this.providerPath(inputs, "Microsoft.Network")}/privateDnsZones/${text(inputs.privateZoneName)}/virtualNetworkLinks/${named("virtualNetworkLinkName")}`;
      case "azure-native:authorization:RoleDefinition":
        return `${text(inputs.scope)}/providers/Microsoft.Authorization/roleDefinitions/${text(inputs.roleDefinitionId) ?? fakeUuid(name)}`;
      case "azure-native:authorization:RoleAssignment":
        return `${text(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${text(inputs.roleAssignmentName) ?? fakeUuid(name)}`;
      case "azuread:index/applicationRegistration:ApplicationRegistration":
        return `/applications/${fakeUuid(`application/${name}`)}`;
      case "azuread:index/servicePrincipal:ServicePrincipal":
        return `/servicePrincipals/${fakeUuid(`servicePrincipal/${name}`)}`;
      case "kubernetes:core/v1:Namespace":
        return text(record(inputs.metadata).name) ?? autoName(name);
      default:
        if (type.startsWith("azuread:")) return `${text(inputs.applicationId) ?? "/applications/unknown"}/${lastSegment(type)}/${fakeUuid(name)}`;
        if (type.startsWith("random:")) return fakeUuid(`random/${name}`);
        return `${this.providerPath(inputs, `Microsoft.${type.split(":")[1] ?? "Unknown"}`)}/${lastSegment(type)}/${name}`;
    }
  }

  private computedOutputs(type: string, name: string, inputs: Inputs, id: string): Inputs {
    const armName = id.split("/").pop() ?? name;
    switch (type) {
      case "azure-native:machinelearningservices:OnlineEndpoint": {
        const location = text(inputs.location) ?? "westeurope";
        return {
          name: armName,
          properties: mapSecret(inputs.properties, (properties) => {
            const { keys: _neverReturned, ...returned } = record(properties);
            return {
              ...returned,
              provisioningState: "Succeeded",
              scoringUri: `https://${armName}.${location}.inference.ml.azure.com/score`,
              swaggerUri: `https://${armName}.${location}.inference.ml.azure.com/swagger.json`,
            };
          }),
        };
      }
      case "azure-native:machinelearningservices:Workspace":
        return {
          name: armName,
          workspaceId: fakeUuid(`workspace/${id}`),
          discoveryUrl: `https://${text(inputs.location) ?? "westeurope"}.api.azureml.ms/discovery`,
          identity: { ...record(inputs.identity), principalId: fakeUuid(`principal/${id}`), tenantId: this.tenantId },
        };
      case "azure-native:machinelearningservices:Compute":
        // Azure gives a compute asked for a system-assigned identity its principal.
        return inputs.identity
          ? { name: armName, identity: { ...record(inputs.identity), principalId: fakeUuid(`principal/${id}`), tenantId: this.tenantId } }
          : { name: armName };
      case "azure-native:containerservice:ManagedCluster":
        return {
          name: armName,
          fqdn: `${text(inputs.dnsPrefix) ?? armName}-${fakeUuid(id).slice(0, 8)}.hcp.${text(inputs.location) ?? "westeurope"}.azmk8s.io`,
          identity: { ...record(inputs.identity), principalId: fakeUuid(`principal/${id}`), tenantId: this.tenantId },
        };
      case "azuread:index/applicationRegistration:ApplicationRegistration":
        return { objectId: armName, clientId: fakeUuid(`client/${name}`) };
      case "azuread:index/servicePrincipal:ServicePrincipal":
        return { objectId: armName, applicationTenantId: this.tenantId };
      case "random:index/randomPassword:RandomPassword":
        return { result: fakeSecretText(`password/${name}/${JSON.stringify(inputs.keepers ?? {})}`, Number(inputs.length ?? 32)) };
      case "random:index/randomUuid:RandomUuid":
        return { result: fakeUuid(`uuid/${name}/${JSON.stringify(inputs.keepers ?? {})}`) };
      case "kubernetes:core/v1:Namespace":
        return { metadata: { ...record(inputs.metadata), name: armName, uid: fakeUuid(`namespace/${armName}`) } };
      default:
        return type.startsWith("azure-native") ? { name: armName } : {};
    }
  }
}

/** `inputs` with each `a.b` path whose object exists but lacks `b` set to unknown, inside secrets too. */
function withUnknownPaths(inputs: Inputs, paths: readonly string[]): Inputs {
  const state: Inputs = { ...inputs };
  for (const path of paths) {
    const [top, nested] = path.split(".");
    if (!top || !nested || !(top in state)) continue;
    state[top] = mapSecret(state[top], (value) =>
      typeof value === "object" && value !== null && !Array.isArray(value) && !(nested in value) ? { ...value, [nested]: UNKNOWN } : value,
    );
  }
  return state;
}

/** Applies `fn` inside a secret envelope, keeping the envelope, as the engine keeps secretness. */
function mapSecret(value: unknown, fn: (inner: unknown) => unknown): unknown {
  if (isSecretEnvelope(value)) return { ...value, value: fn(value.value) };
  return fn(value);
}

function autoName(name: string): string {
  return `${name}${createHash("sha256").update(name).digest("hex").slice(0, 7)}`;
}

function lastSegment(type: string): string {
  return type.split(":").pop() ?? type;
}

function fakeKubeconfig(cluster: string): string {
  const kubeconfig = [
    "apiVersion: v1",
    "kind: Config",
    `clusters: [{name: ${cluster}, cluster: {server: "https://${cluster}.hcp.azmk8s.io:443", certificate-authority-data: ZmFrZQ==}}]`,
    `contexts: [{name: ${cluster}, context: {cluster: ${cluster}, user: clusterUser}}]`,
    `current-context: ${cluster}`,
    `users: [{name: clusterUser, user: {token: ${fakeSecretText(`${cluster}/user-token`, 40)}}}]`,
  ].join("\n");
  return Buffer.from(kubeconfig).toString("base64");
}
