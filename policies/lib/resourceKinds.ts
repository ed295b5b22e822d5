// The one place that decides what a Pulumi type token is. The pack judges any program, so it recognises
// resources by token pattern instead of importing SDK classes: v1 web services have no class in
// azure-native 3.x, and legacy stacks carry versioned, v1-SDK or locally generated tokens.

/**
 * `<package>:<module>[/<apiVersion>]:<Type>`, where package is `azure-native` (or its predecessor
 * `azure-nextgen`, still in very old stacks), optionally followed by `_<suffix>` for a locally generated
 * package such as `azure-native_machinelearningservices_v20210401`.
 */
const AZURE_TOKEN = /^azure-(?:native|nextgen)(?:_[A-Za-z0-9_]+)?:([a-z]+)(?:\/[A-Za-z0-9]+)?:([A-Za-z]+)$/;

interface KindPattern {
  readonly module: string;
  readonly typeNames: readonly string[];
}

const KIND_PATTERNS = {
  /** v1 ACI web service (`workspaces/services`, computeType ACI). */
  v1AciService: { module: "machinelearningservices", typeNames: ["ACIService"] },
  /** v1 AKS web service (`workspaces/services`, computeType AKS). */
  v1AksService: { module: "machinelearningservices", typeNames: ["AKSService"] },
  /**
   * v1 generic web service; its `computeType` ("ACI", "AKS", "Custom") says which it is. Its inputs offer no
   * auth flags (azure-native v1 sdk/nodejs/machinelearningservices/v20210401/machineLearningService.ts).
   */
  v1GenericService: { module: "machinelearningservices", typeNames: ["MachineLearningService"] },
  /** A `workspaces/services` resource declared in an ARM template: flat `computeType` and auth flags, as the REST body. */
  v1DeclaredService: { module: "machinelearningservices", typeNames: [] },
  onlineEndpoint: { module: "machinelearningservices", typeNames: ["OnlineEndpoint"] },
  /** `MachineLearningCompute` is the v1-era name of the same `workspaces/computes` resource. */
  mlCompute: { module: "machinelearningservices", typeNames: ["Compute", "MachineLearningCompute"] },
  mlWorkspace: { module: "machinelearningservices", typeNames: ["Workspace"] },
  clusterExtension: { module: "kubernetesconfiguration", typeNames: ["Extension"] },
  managedCluster: { module: "containerservice", typeNames: ["ManagedCluster"] },
  storageAccount: { module: "storage", typeNames: ["StorageAccount"] },
  containerRegistry: { module: "containerregistry", typeNames: ["Registry"] },
  keyVault: { module: "keyvault", typeNames: ["Vault"] },
  /** ARM template deployments at any scope; their inline templates declare further resources. */
  templateDeployment: {
    module: "resources",
    typeNames: ["Deployment", "DeploymentAtScope", "DeploymentAtSubscriptionScope", "DeploymentAtManagementGroupScope", "DeploymentAtTenantScope"],
  },
  /** Deployment stacks: the same template, parameters and links, at the top of the resource instead of under `properties`. */
  deploymentStack: {
    module: "resources",
    typeNames: ["DeploymentStackAtResourceGroup", "DeploymentStackAtSubscription", "DeploymentStackAtManagementGroup"],
  },
  resourceGroup: { module: "resources", typeNames: ["ResourceGroup"] },
  /** `resources:Resource`: any ARM resource by provider namespace, parent path, type and name. */
  genericResource: { module: "resources", typeNames: ["Resource"] },
} as const satisfies Record<string, KindPattern>;

export type ResourceKind = keyof typeof KIND_PATTERNS;

/** Human-readable names for messages, e.g. "OnlineEndpoint". */
export const KIND_LABELS: Readonly<Record<ResourceKind, string>> = {
  v1AciService: "v1 ACI web service",
  v1AksService: "v1 AKS web service",
  v1GenericService: "v1 web service",
  v1DeclaredService: "v1 web service",
  onlineEndpoint: "OnlineEndpoint",
  mlCompute: "Compute",
  mlWorkspace: "Workspace",
  clusterExtension: "cluster Extension",
  managedCluster: "ManagedCluster",
  storageAccount: "StorageAccount",
  containerRegistry: "Registry",
  keyVault: "Vault",
  templateDeployment: "template Deployment",
  deploymentStack: "deployment stack",
  genericResource: "generic Resource",
  resourceGroup: "ResourceGroup",
};

/**
 * ARM resource types (lower-cased) the pack judges when a template or a generic resource declares them,
 * each with the kind whose rules apply.
 */
export const ARM_TYPE_KINDS: Readonly<Record<string, ResourceKind>> = {
  "microsoft.machinelearningservices/workspaces": "mlWorkspace",
  "microsoft.machinelearningservices/workspaces/onlineendpoints": "onlineEndpoint",
  "microsoft.machinelearningservices/workspaces/services": "v1DeclaredService",
  "microsoft.machinelearningservices/workspaces/computes": "mlCompute",
  "microsoft.kubernetesconfiguration/extensions": "clusterExtension",
  "microsoft.containerservice/managedclusters": "managedCluster",
  "microsoft.storage/storageaccounts": "storageAccount",
  "microsoft.containerregistry/registries": "containerRegistry",
  "microsoft.keyvault/vaults": "keyVault",
};

const KINDS = Object.keys(KIND_PATTERNS) as ResourceKind[];

/** Kinds of the type tokens seen so far: every policy asks for the kind of every resource. */
const kindsByType = new Map<string, ResourceKind | undefined>();
/** A program has a few dozen types; a program with more is not remembered beyond this. */
const KINDS_REMEMBERED = 1000;

/** The kind of a type token, or undefined for anything the pack does not know. */
export function resourceKindOf(type: string): ResourceKind | undefined {
  if (kindsByType.has(type)) return kindsByType.get(type);
  const kind = kindOfToken(type);
  if (kindsByType.size < KINDS_REMEMBERED) kindsByType.set(type, kind);
  return kind;
}

function kindOfToken(type: string): ResourceKind | undefined {
  const match = AZURE_TOKEN.exec(type);
  if (!match) return undefined;
  const [, module, typeName] = match;
  return KINDS.find((kind) => {
    const pattern: KindPattern = KIND_PATTERNS[kind];
    return pattern.module === module && pattern.typeNames.includes(typeName);
  });
}

/** "azure-native:machinelearningservices:OnlineEndpoint (or a versioned/local token of the same type)" */
export function describeKinds(kinds: readonly ResourceKind[]): string {
  return kinds
    .map((kind) => {
      const pattern: KindPattern = KIND_PATTERNS[kind];
      return pattern.typeNames.map((typeName) => `azure-native:${pattern.module}:${typeName}`).join(", ");
    })
    .filter((text) => text !== "")
    .join(", ");
}
