export { AadApplications, type AadApplicationsArgs, type ClientContext } from "./aadApplications";
export {
  AksInferenceCluster,
  azureMlExtensionSettings,
  type AksClusterSource,
  type AksInferenceClusterArgs,
  type InferenceRouterServiceType,
  type InferenceTransport,
} from "./aksInferenceCluster";
export type { EndpointAuthMode, KubernetesServiceAuth, ServiceAuth, ServiceCompute } from "./authModes";
export { AZURE_REGIONS, type AzureRegion } from "./azureRegions";
export {
  CONFIG_NAMESPACE,
  StackConfigError,
  loadStackConfig,
  parseCliConfig,
  parseStackConfig,
  type AadConfig,
  type AksClusterConfig,
  type ServiceConfig,
  type StackConfig,
  type WorkspaceConfig,
} from "./config";
export { consumerPermissions, type CredentialReader, type PrincipalType } from "./endpointAccess";
export type { ScoringCode } from "./codeAsset";
export type { KubernetesResources } from "./kubernetesResources";
export { ExistingKubernetesCompute, type ExistingKubernetesComputeArgs, type KubernetesCompute } from "./kubernetesCompute";
export { MlWorkspace, type MlWorkspaceArgs } from "./mlWorkspace";
export {
  ModelWebService,
  type EndpointKeys,
  type KeyRotationCounters,
  type ModelWebServiceArgs,
  type ModelWebServiceCompute,
  type ModelFormat,
  type TokenAccess,
} from "./modelWebService";
export { platformNames, type PlatformNames, type ServiceNames } from "./naming";
export { ExistingMlWorkspace, type ExistingMlWorkspaceArgs, type ServiceWorkspace } from "./serviceWorkspace";
export { PRIVATE_LINK_TARGETS, type ManagedOutbound, type PrivateSubnets, type WorkspaceNetwork } from "./workspaceNetwork";
