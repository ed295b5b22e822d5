import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as kubernetesconfiguration from "@pulumi/azure-native/kubernetesconfiguration";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import { Provider as KubernetesProvider } from "@pulumi/kubernetes/provider";
import { Namespace, Secret } from "@pulumi/kubernetes/core/v1";
import { isAzureRegion, type AzureRegion } from "./azureRegions";
import type { KubernetesCompute } from "./kubernetesCompute";
import { AKS_CLUSTER_ID, HOSTNAME } from "./patterns";
import { privateWorkspaceRegionError } from "./sameRegionCheck";
import type { ServiceWorkspace } from "./serviceWorkspace";
import { stableUuid } from "./stableIds";
import type { Mutable } from "./mutable";
import { TYPE_PREFIX } from "./typeTokens";
import { AKS_DNS_SERVICE_IP, AKS_SERVICE_CIDR } from "./workspaceNetwork";

export const DEFAULT_NODE_COUNT = 3;
export const DEFAULT_VM_SIZE = "Standard_D4s_v5";
export const DEFAULT_INSTANCE_TYPE = "defaultinstancetype";
export const AZUREML_EXTENSION_TYPE = "Microsoft.AzureML.Kubernetes";

/** A cluster to create, or an existing one to attach. */
export type AksClusterSource =
  | {
      readonly kind: "new";
      /** Default: the workspace's region. */
      readonly location?: AzureRegion;
      /** Default 3; under 3 nodes the inference router runs without HA. */
      readonly nodeCount?: number;
      /** Default "Standard_D4s_v5". */
      readonly vmSize?: string;
    }
  | {
      readonly kind: "existing";
      /** ARM id of the managed cluster. */
      readonly clusterId: string;
      /** The cluster's region; when omitted it is read from Azure at deployment time. */
      readonly location?: AzureRegion;
    };

/** The inference router's TLS certificate: PEM to store in the cluster, or a secret already there. */
export type TlsCertificate =
  | {
      readonly kind: "pem";
      readonly certificatePem: pulumi.Input<string>;
      readonly privateKeyPem: pulumi.Input<string>;
    }
  | {
      readonly kind: "existingSecret";
      /** A Kubernetes secret in the azureml namespace holding cert.pem and key.pem. */
      readonly secretName: string;
    };

/** How scoring requests reach the inference router: TLS, or plain HTTP for test clusters only. */
export type InferenceTransport =
  | {
      readonly kind: "tls";
      /** The host name clients call; the certificate must cover it (the extension's sslCname). */
      readonly hostname: string;
      readonly certificate: TlsCertificate;
    }
  | { readonly kind: "insecure" };

/** The AzureML extension's namespace, where it looks for its TLS secret. */
export const AZUREML_NAMESPACE = "azureml";
export const TLS_SECRET_NAME = "azureml-inference-tls";

export type InferenceRouterServiceType = "LoadBalancer" | "NodePort" | "ClusterIP";

/** Built-in Network Contributor (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/networking#network-contributor). */
export const NETWORK_CONTRIBUTOR_ROLE_ID = "4d97b98b-1d4f-4787-a291-c67834d212e7";

export interface AksInferenceClusterArgs {
  readonly workspace: ServiceWorkspace;
  readonly cluster: AksClusterSource;
  readonly transport: InferenceTransport;
  /** Let token-auth services use a cluster outside the workspace's region, with a warning. Default false. */
  readonly allowCrossRegion?: boolean;
  /** Default "LoadBalancer". */
  readonly inferenceRouterServiceType?: InferenceRouterServiceType;
}

interface ClusterCoordinates {
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly clusterName: pulumi.Input<string>;
  readonly clusterId: pulumi.Output<string>;
  readonly location: pulumi.Output<string>;
  readonly settingsFacts: { readonly resourceGroupName: string; readonly clusterName: string; readonly location: pulumi.Input<string> };
}

/** The cluster as `az k8s-extension create` reads it from ARM before it writes the extension. */
export interface ExtensionClusterFacts {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly clusterName: string;
  readonly location: string;
  /** Nodes of a cluster created here; unknown for an attached cluster. */
  readonly nodeCount?: number;
}

/**
 * Built-in roles the compute's identity needs on the workspace storage of a high-business-impact
 * workspace (https://learn.microsoft.com/azure/machine-learning/how-to-secure-kubernetes-inferencing-environment;
 * ids from https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
 */
export const HBI_COMPUTE_STORAGE_ROLES = {
  "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  "Storage Account Contributor": "17d1049b-9a84-46fb-8f53-869881c3d3ab",
} as const;

/** What an AksInferenceCluster holds once its resources are created. */
export interface AksInferenceClusterParts {
  readonly workspace: ServiceWorkspace;
  readonly managedCluster?: containerservice.ManagedCluster;
  readonly clusterId: pulumi.Output<string>;
  /** The cluster's region as an output; see `knownLocation` for the value known at construction. */
  readonly location: pulumi.Output<string>;
  readonly knownLocation?: AzureRegion;
  readonly allowCrossRegion: boolean;
  readonly extension: kubernetesconfiguration.Extension;
  /** The cluster user's kubeconfig, always a secret. */
  readonly kubeconfig: pulumi.Output<string>;
  readonly kubernetesProvider: KubernetesProvider;
  readonly namespace: Namespace;
  readonly compute: machinelearningservices.Compute;
  /** The compute's ARM id, built from names so that it stays known during preview; depend on `compute` too. */
  readonly computeId: pulumi.Output<string>;
  readonly computeName: pulumi.Output<string>;
  readonly ready: readonly pulumi.Resource[];
  /** High-business-impact workspaces: the compute identity's roles on the workspace storage. */
  readonly storageRoleAssignments: readonly authorization.RoleAssignment[];
}

// The component's fields are its parts, assigned at once after its resources are created.
export interface AksInferenceCluster extends AksInferenceClusterParts {}
/**
 * An AKS cluster prepared for Kubernetes online endpoints: the AzureML extension with inference
 * on, an inference namespace, and the workspace compute that points at both.
 */
export class AksInferenceCluster extends pulumi.ComponentResource implements KubernetesCompute {
  readonly kind = "created" as const;

  constructor(name: string, args: AksInferenceClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    validateAksInferenceClusterArgs(name, args, opts);
    super(`${TYPE_PREFIX}:AksInferenceCluster`, name, {}, opts);
    Object.assign(this, createAksInferenceClusterResources(this, name, args));
    this.registerOutputs({ clusterId: this.clusterId, location: this.location, computeId: this.computeId, kubeconfig: this.kubeconfig });
  }
}

/**
 * The resources of an AksInferenceCluster, children of `component`: the TypeScript component and the package's
 * (provider/) both register them under their own component, so both trees are the same.
 */
export function createAksInferenceClusterResources(component: pulumi.ComponentResource, name: string, args: AksInferenceClusterArgs): AksInferenceClusterParts {
  const self = {} as Mutable<AksInferenceClusterParts>;
  self.storageRoleAssignments = [];
  const { workspace, cluster, transport } = args;
  self.workspace = workspace;
  self.allowCrossRegion = args.allowCrossRegion ?? false;
  const knownLocation = cluster.kind === "new" ? (cluster.location ?? workspace.location) : cluster.location;
  if (knownLocation) self.knownLocation = knownLocation;

  let coordinates: ClusterCoordinates;
  if (cluster.kind === "new") {
    const nodeCount = cluster.nodeCount ?? DEFAULT_NODE_COUNT;
    self.managedCluster = new containerservice.ManagedCluster(
      `${name}-managed-cluster`,
      {
        resourceName: workspace.names.aksCluster,
        resourceGroupName: workspace.resourceGroupName,
        location: knownLocation,
        dnsPrefix: workspace.names.aksCluster,
        identity: { type: "SystemAssigned" },
        agentPoolProfiles: [
          {
            name: "system",
            mode: "System",
            count: nodeCount,
            vmSize: cluster.vmSize ?? DEFAULT_VM_SIZE,
            osType: "Linux",
            // In a private workspace's network, where the workspace's private endpoints resolve.
            ...(workspace.aksSubnetId ? { vnetSubnetID: workspace.aksSubnetId } : {}),
          },
        ],
        ...(workspace.aksSubnetId
          ? { networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", serviceCidr: AKS_SERVICE_CIDR, dnsServiceIP: AKS_DNS_SERVICE_IP } }
          : {}),
        enableRBAC: true,
        // The AzureML extension authenticates with local accounts.
        disableLocalAccounts: false,
        tags: workspace.tags,
      },
      { parent: component },
    );
    if (workspace.aksSubnetId) grantSubnetAccess(component, self, name, self.managedCluster, workspace.aksSubnetId);
    coordinates = {
      subscriptionId: workspace.subscriptionId,
      resourceGroupName: workspace.resourceGroupName,
      clusterName: self.managedCluster.name,
      // Known from names, so the extension's settings stay known in preview.
      settingsFacts: { resourceGroupName: workspace.names.resourceGroup, clusterName: workspace.names.aksCluster, location: knownLocation ?? workspace.location },
      clusterId: self.managedCluster.id,
      location: self.managedCluster.location.apply((location) => location ?? knownLocation ?? workspace.location),
    };
  } else {
    const [, , subscriptionId = "", , resourceGroupName = "", , , , clusterName = ""] = cluster.clusterId.split("/");
    const location = cluster.location
      ? pulumi.output(cluster.location)
      : containerservice.getManagedClusterOutput({ resourceGroupName, resourceName: clusterName }, { parent: component }).location.apply((read) => {
          // Known only once Azure answers: check it before the compute is attached.
          const error = workspace.privateEndpoint ? privateWorkspaceRegionError(workspace.location, read) : undefined;
          if (error) throw new pulumi.ResourceError(`AksInferenceCluster "${name}": ${error}`, component, true);
          return read;
        });
    coordinates = { subscriptionId, resourceGroupName, clusterName, clusterId: pulumi.output(cluster.clusterId), location, settingsFacts: { resourceGroupName, clusterName, location } };
  }
  self.clusterId = coordinates.clusterId;
  self.location = coordinates.location;

  if (transport.kind === "insecure") {
    pulumi.log.warn(
      `AksInferenceCluster "${name}": allowInsecureConnections is set, so the inference router serves plain HTTP and keys and tokens then cross the network in clear. ` +
        `Use it only on test clusters; configure TLS (aksCluster.tls) for anything else.`,
      component,
    );
  }
  const credentials = containerservice.listManagedClusterUserCredentialsOutput(
    { resourceGroupName: coordinates.resourceGroupName, resourceName: coordinates.clusterName },
    { parent: component },
  );
  self.kubeconfig = pulumi.secret(
    credentials.kubeconfigs.apply((kubeconfigs) => {
      const encoded = kubeconfigs[0]?.value;
      if (!encoded) throw new pulumi.ResourceError(`AksInferenceCluster "${name}": the cluster returned no user kubeconfig`, component);
      return Buffer.from(encoded, "base64").toString("utf8");
    }),
  );
  self.kubernetesProvider = new KubernetesProvider(`${name}-kubernetes`, { kubeconfig: self.kubeconfig, enableServerSideApply: true }, { parent: component });
  const tlsSecret = transport.kind === "tls" && transport.certificate.kind === "pem" ? storeTlsSecret(component, self, name, transport.certificate) : undefined;
  self.extension = new kubernetesconfiguration.Extension(
    `${name}-azureml-extension`,
    {
      clusterRp: "Microsoft.ContainerService",
      clusterResourceName: "managedClusters",
      clusterName: coordinates.clusterName,
      resourceGroupName: coordinates.resourceGroupName,
      extensionName: "azureml",
      extensionType: AZUREML_EXTENSION_TYPE,
      releaseTrain: "stable",
      autoUpgradeMinorVersion: true,
      identity: { type: "SystemAssigned" },
      scope: { cluster: { releaseNamespace: AZUREML_NAMESPACE } },
      configurationSettings: pulumi
        .all([coordinates.subscriptionId, coordinates.settingsFacts.location])
        .apply(([subscriptionId, location]) =>
          azureMlExtensionSettings(
            { subscriptionId, resourceGroupName: coordinates.settingsFacts.resourceGroupName, clusterName: coordinates.settingsFacts.clusterName, location, ...(cluster.kind === "new" ? { nodeCount: cluster.nodeCount ?? DEFAULT_NODE_COUNT } : {}) },
            transport,
            args.inferenceRouterServiceType ?? "LoadBalancer",
          ),
        ),
    },
    { parent: component, ...(tlsSecret ? { dependsOn: [tlsSecret] } : {}) },
  );

  self.namespace = new Namespace(
    `${name}-inference-namespace`,
    { metadata: { name: workspace.names.kubernetesNamespace, labels: { "app.kubernetes.io/managed-by": "aml-webservices" } } },
    { parent: component, provider: self.kubernetesProvider },
  );

  self.compute = new machinelearningservices.Compute(
    `${name}-compute`,
    {
      computeName: workspace.names.compute,
      workspaceName: workspace.workspaceName,
      resourceGroupName: workspace.resourceGroupName,
      location: coordinates.location,
      // A high-business-impact workspace reaches its storage through the compute's own identity.
      ...(workspace.hbiStorageAccountId ? { identity: { type: "SystemAssigned" } } : {}),
      properties: {
        computeType: "Kubernetes",
        resourceId: coordinates.clusterId,
        computeLocation: coordinates.location,
        disableLocalAuth: true,
        description: `AKS inference cluster of ${workspace.environment}`,
        properties: { namespace: self.namespace.metadata.name, defaultInstanceType: DEFAULT_INSTANCE_TYPE },
      },
    },
    { parent: component, dependsOn: [self.extension, self.namespace] },
  );
  self.computeId = pulumi.interpolate`${workspace.workspaceArmId}/computes/${workspace.names.compute}`;
  self.computeName = self.compute.name;
  self.ready = [self.compute];
  if (workspace.hbiStorageAccountId) self.storageRoleAssignments = grantStorageAccess(component, self, name, workspace.hbiStorageAccountId);
  return self;
}

/** An AKS cluster with a system-assigned identity manages load balancers in its subnet only with Network Contributor there. */
function grantSubnetAccess(component: pulumi.ComponentResource, self: Mutable<AksInferenceClusterParts>, name: string, managedCluster: containerservice.ManagedCluster, subnetId: pulumi.Output<string>): void {
  const principalId = managedCluster.identity.apply((identity) => identity?.principalId ?? "");
  new authorization.RoleAssignment(
    `${name}-subnet-network-contributor`,
    {
      roleAssignmentName: pulumi.all([subnetId, self.workspace.names.aksCluster]).apply(([scope, cluster]) => stableUuid("aks-subnet-network-contributor", scope, cluster)),
      principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId: pulumi.interpolate`/subscriptions/${self.workspace.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR_ROLE_ID}`,
      scope: subnetId,
    },
    { parent: component },
  );
}

function grantStorageAccess(component: pulumi.ComponentResource, self: Mutable<AksInferenceClusterParts>, name: string, storageAccountId: pulumi.Output<string>): authorization.RoleAssignment[] {
  const { workspace } = self;
  const principalId = self.compute.identity.apply((identity) => identity?.principalId ?? "");
  return Object.entries(HBI_COMPUTE_STORAGE_ROLES).map(
    ([role, roleId]) =>
      new authorization.RoleAssignment(
        `${name}-compute-${role.toLowerCase().replace(/ /g, "-")}`,
        {
          roleAssignmentName: workspace.subscriptionId.apply((subscription) => stableUuid("compute-storage", subscription, workspace.names.resourceGroup, workspace.names.compute, roleId)),
          principalId,
          principalType: "ServicePrincipal",
          roleDefinitionId: pulumi.interpolate`/subscriptions/${workspace.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`,
          scope: storageAccountId,
        },
        { parent: component },
      ),
  );
}

function storeTlsSecret(component: pulumi.ComponentResource, self: Mutable<AksInferenceClusterParts>, name: string, certificate: Extract<TlsCertificate, { kind: "pem" }>): Secret {
  const namespace = new Namespace(`${name}-azureml-namespace`, { metadata: { name: AZUREML_NAMESPACE } }, { parent: component, provider: self.kubernetesProvider });
  return new Secret(
    `${name}-tls-secret`,
    {
      metadata: { name: TLS_SECRET_NAME, namespace: namespace.metadata.name },
      type: "Opaque",
      stringData: { "cert.pem": pulumi.secret(certificate.certificatePem), "key.pem": pulumi.secret(certificate.privateKeyPem) },
    },
    { parent: component, provider: self.kubernetesProvider },
  );
}


/** The certificate must be in the cluster before the extension installs, so it is stored first. */
function tlsSecretName(certificate: TlsCertificate): string {
  return certificate.kind === "pem" ? TLS_SECRET_NAME : certificate.secretName;
}

/**
 * The AzureML extension's settings exactly as `az k8s-extension create --extension-type
 * Microsoft.AzureML.Kubernetes` sends them to ARM for a managed (AKS) cluster: the CLI-facing names
 * plus what the CLI adds or rewrites itself (azure-cli-extensions
 * src/k8s-extension/azext_k8s_extension/partner_extensions/AzureMLKubernetes.py). An extension
 * installed over ARM with only the CLI-facing names fails its health check.
 */
export function azureMlExtensionSettings(
  cluster: ExtensionClusterFacts,
  transport: InferenceTransport,
  routerServiceType: InferenceRouterServiceType,
): Record<string, string> {
  const clusterArmId = `/subscriptions/${cluster.subscriptionId}/resourceGroups/${cluster.resourceGroupName}/providers/Microsoft.ContainerService/managedClusters/${cluster.clusterName}`;
  const location = cluster.location.toLowerCase();
  const settings: Record<string, string> = {
    enableInference: "True",
    enableTraining: "False",
    inferenceRouterServiceType: routerServiceType,
    allowInsecureConnections: transport.kind === "insecure" ? "True" : "False",
    cluster_name: clusterArmId,
    clusterId: clusterArmId,
    "prometheus.prometheusSpec.externalLabels.cluster_name": clusterArmId,
    domain: `${location}.cloudapp.azure.com`,
    location,
    jobSchedulerLocation: location,
    cluster_name_friendly: cluster.clusterName,
    "servicebus.enabled": "false",
    "relayserver.enabled": "false",
    "nginxIngress.enabled": "true",
  };
  if (cluster.nodeCount !== undefined) {
    const ha = cluster.nodeCount >= 3;
    settings.inferenceRouterHA = ha ? "True" : "False";
    if (!ha) settings.clusterPurpose = "DevTest";
  }
  if (routerServiceType === "NodePort") settings["scoringFe.serviceType.nodePort"] = "True";
  if (transport.kind === "tls") {
    const secretName = tlsSecretName(transport.certificate);
    settings.sslCname = transport.hostname;
    settings.sslSecret = secretName;
    settings["scoringFe.sslSecret"] = secretName;
  }
  return settings;
}

/** Throws a ResourceError naming every problem of the arguments known at construction. */
export function validateAksInferenceClusterArgs(name: string, args: AksInferenceClusterArgs, opts: pulumi.ComponentResourceOptions | undefined): void {
  const problems: string[] = [];
  const { cluster, transport } = args;
  if (cluster.kind === "existing" && !AKS_CLUSTER_ID.test(cluster.clusterId)) {
    problems.push(`clusterId "${cluster.clusterId}" is not the ARM id of an AKS cluster (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerService/managedClusters/<name>)`);
  }
  if (cluster.location !== undefined && !isAzureRegion(cluster.location)) problems.push(`location "${String(cluster.location)}" is not an Azure region name`);
  if (cluster.kind === "new" && cluster.nodeCount !== undefined && !(Number.isInteger(cluster.nodeCount) && cluster.nodeCount >= 1)) {
    problems.push(`nodeCount ${cluster.nodeCount} must be a whole number of at least 1`);
  }
  if (transport.kind === "tls" && !HOSTNAME.test(transport.hostname)) {
    problems.push(`transport.hostname "${transport.hostname}" is not a DNS name such as "scoring.contoso.com"`);
  }
  if (transport.kind === "tls" && transport.certificate.kind === "existingSecret" && cluster.kind === "new") {
    problems.push(`transport.certificate names an existing secret, but the cluster is new; give the certificate as { kind: "pem", certificatePem, privateKeyPem }`);
  }
  const location = cluster.kind === "new" ? (cluster.location ?? args.workspace.location) : cluster.location;
  if (args.workspace.privateEndpoint && location !== undefined && isAzureRegion(location)) {
    const error = privateWorkspaceRegionError(args.workspace.location, location);
    if (error) problems.push(error);
  }
  if (problems.length > 0) throw new pulumi.ResourceError(`AksInferenceCluster "${name}": ${problems.join("; ")}`, opts?.parent, true);
}
