import * as pulumi from "@pulumi/pulumi";
import { AadApplications, AksInferenceCluster, ExistingKubernetesCompute, ExistingMlWorkspace, MlWorkspace, ModelWebService, loadStackConfig } from "./components";
import type { AksClusterConfig, ServiceConfig, StackConfig } from "./components";
import type { AksClusterSource, InferenceTransport, KubernetesCompute, ModelWebServiceCompute, ServiceWorkspace } from "./components";

// Every problem in the stack config is reported here, before any resource is registered.
const config: StackConfig = loadStackConfig();

const platform: ServiceWorkspace =
  config.workspace.kind === "existing"
    ? new ExistingMlWorkspace("platform", {
        workspaceId: config.workspace.workspaceId,
        location: config.location,
        privateEndpoint: config.workspace.privateEndpoint,
        environment: config.environment,
        ...(config.workspace.hbiStorageAccountId !== undefined ? { hbiStorageAccountId: config.workspace.hbiStorageAccountId } : {}),
      })
    : new MlWorkspace("platform", {
        environment: config.environment,
        location: config.location,
        network: config.workspace.network,
        hbi: config.workspace.hbi,
        protect: config.workspace.protect,
        nameSuffix: config.workspace.nameSuffix,
      });

const aad = config.aad
  ? new AadApplications("aad", { environment: config.environment, authority: config.aad.authority, grantAdminConsent: config.aad.grantAdminConsent })
  : undefined;

const inferenceCluster: KubernetesCompute | undefined = !config.aksCluster
  ? undefined
  : config.aksCluster.kind === "existingCompute"
    ? new ExistingKubernetesCompute("inference", {
        workspace: platform,
        computeId: config.aksCluster.computeId,
        location: config.aksCluster.location,
        allowCrossRegion: config.aksCluster.allowCrossRegion,
      })
    : new AksInferenceCluster("inference", {
        workspace: platform,
        cluster: clusterSource(config.aksCluster),
        transport: inferenceTransport(config.aksCluster),
        allowCrossRegion: config.aksCluster.allowCrossRegion,
      });

const services = config.services.map(
  (service) =>
    new ModelWebService(service.name, {
      workspace: platform,
      endpointName: service.endpointName,
      compute: serviceCompute(service),
      model: service.model,
      modelFormat: service.modelFormat,
      ...(service.code !== undefined ? { code: service.code } : {}),
      ...(service.compute === "aks" && service.resources ? { kubernetesResources: service.resources } : {}),
      ...(service.environment !== undefined ? { environment: service.environment } : {}),
      ...(service.instanceType !== undefined ? { instanceType: service.instanceType } : {}),
      instanceCount: service.instanceCount,
      credentialReaders: service.credentialReaders,
      ...(aad ? { webApplicationPrincipalId: aad.webServicePrincipal.objectId } : {}),
      ...(service.auth === "key" ? { keyRotation: service.keyRotation } : {}),
    }),
);

type AttachedClusterConfig = Exclude<AksClusterConfig, { kind: "existingCompute" }>;

function clusterSource(cluster: AttachedClusterConfig): AksClusterSource {
  return cluster.kind === "new"
    ? { kind: "new", location: cluster.location, nodeCount: cluster.nodeCount, vmSize: cluster.vmSize }
    : { kind: "existing", clusterId: cluster.clusterId, ...(cluster.location ? { location: cluster.location } : {}) };
}

function inferenceTransport(cluster: AttachedClusterConfig): InferenceTransport {
  const { tls } = cluster;
  if (!tls) return { kind: "insecure" };
  return {
    kind: "tls",
    hostname: tls.hostname,
    certificate:
      "certificateSecret" in tls
        ? { kind: "existingSecret", secretName: tls.certificateSecret }
        : { kind: "pem", certificatePem: tls.certificate, privateKeyPem: tls.privateKey },
  };
}

function serviceCompute(service: ServiceConfig): ModelWebServiceCompute {
  if (service.compute === "managed") return { kind: "managed", auth: service.auth };
  if (!inferenceCluster) throw new pulumi.RunError(`services: "${service.name}" uses compute "aks" but no aksCluster is configured`);
  return { kind: "kubernetes", cluster: inferenceCluster, auth: service.auth };
}

export const clientContext = aad?.clientContext;
export const workspace = {
  name: platform.workspaceName,
  resourceGroup: platform.resourceGroupName,
  location: platform.location,
};
export const endpoints = Object.fromEntries(
  services.map((service) => [
    service.endpointName,
    {
      authMode: service.authMode,
      scoringUri: service.scoringUri,
      ...(service.keys
        ? { keys: service.keys, configuredKeys: service.configuredKeys, regenerateKeysPath: service.regenerateKeysPath }
        : {}),
      ...(service.tokenAccess ? { tokenAccess: service.tokenAccess } : {}),
      ...(service.aadTokenAudience ? { aadTokenAudience: service.aadTokenAudience } : {}),
    },
  ]),
);
