import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import * as authorization from "@pulumi/azure-native/authorization";
import * as machinelearningservices from "@pulumi/azure-native/machinelearningservices";
import * as resources from "@pulumi/azure-native/resources";
import { CustomResource } from "@pulumi/kubernetes/apiextensions";
import { RandomPassword } from "@pulumi/random/randomPassword";
import { AksInferenceCluster, DEFAULT_INSTANCE_TYPE } from "./aksInferenceCluster";
import { isAssetReference, resolveAssetReference } from "./assetReferences";
import { registerCodeAsset, scoringCodeProblem, type ScoringCode } from "./codeAsset";
import { DEFAULT_KUBERNETES_RESOURCES, kubernetesResourcesProblems, type KubernetesResources } from "./kubernetesResources";
import { DEFAULT_AUTH, ENDPOINT_AUTH_MODE, type EndpointAuthMode, type KubernetesServiceAuth, type ServiceAuth } from "./authModes";
import { consumerPermissions, consumerRoleDescription, consumerRoleName, PRINCIPAL_TYPES, readerObjectId, type CredentialReader } from "./endpointAccess";
import { ENDPOINT_SETTINGS_WRITTEN_BY_TRAFFIC, endpointTrafficDeployment } from "./endpointTraffic";
import type { KubernetesCompute } from "./kubernetesCompute";
import { DEPLOYMENT_NAME, namingProblem } from "./naming";
import { GUID } from "./patterns";
import { enforceSameRegion, type RegionPair } from "./sameRegionCheck";
import type { ServiceWorkspace } from "./serviceWorkspace";
import { stableUuid } from "./stableIds";
import type { Mutable } from "./mutable";
import { TYPE_PREFIX } from "./typeTokens";

export const DEFAULT_MANAGED_INSTANCE_TYPE = "Standard_DS3_v2";
export const INSTANCE_TYPE_API_VERSION = "amlarc.azureml.com/v1alpha1";

/**
 * "mlflow": an MLflow model, which Azure ML serves without code. "custom": any other model, which
 * Azure ML serves only through a scoring script (`code`) and an environment.
 */
export type ModelFormat = "mlflow" | "custom";
export const MODEL_FORMATS: readonly ModelFormat[] = ["mlflow", "custom"];
/** The audience of Entra ID tokens for AADToken endpoints. */
export const AAD_TOKEN_AUDIENCE = "https://ml.azure.com";

/** Where the service runs; the auth mode sits inside, so types refuse AADToken on Kubernetes. */
export type ModelWebServiceCompute =
  | {
      readonly kind: "managed";
      /** Default "key", the successor of an ACI service with auth_enabled. */
      readonly auth?: ServiceAuth;
    }
  | {
      readonly kind: "kubernetes";
      /** An AksInferenceCluster this stack attaches, or an ExistingKubernetesCompute another team attached. */
      readonly cluster: KubernetesCompute;
      /** Default "amlToken", the successor of an AKS service with token auth. */
      readonly auth?: KubernetesServiceAuth;
    };

/** Raise a counter by one to rotate that slot's key; see the README for the overlap-first procedure. */
export interface KeyRotationCounters {
  /** Rotation counter of the primary key slot. Default 0. */
  readonly primary?: number;
  /** Rotation counter of the secondary key slot. Default 0. */
  readonly secondary?: number;
}

export interface ModelWebServiceArgs {
  /** An MlWorkspace this stack creates, or an ExistingMlWorkspace another team owns. */
  readonly workspace: ServiceWorkspace;
  /** 3-32 letters, digits or hyphens; unique in the Azure region. */
  readonly endpointName: string;
  readonly compute: ModelWebServiceCompute;
  /** "<name>:<version>" in the workspace, an azureml:// asset id, or an ARM id. */
  readonly model: string;
  /** Default "mlflow". A "custom" model needs `code` and `environment`. */
  readonly modelFormat?: ModelFormat;
  /** The scoring script and its directory, uploaded as a code asset; needs `environment`. */
  readonly code?: ScoringCode;
  /** Same forms as model; required with `code`, optional for MLflow models without code. */
  readonly environment?: string;
  /**
   * Managed: a VM size, default "Standard_DS3_v2". Kubernetes: the name of an instance type that
   * already exists on the cluster; omit it to get one of the service's own, sized by `kubernetesResources`.
   */
  readonly instanceType?: string;
  /**
   * Kubernetes only: requests and limits of the service's own instance type. Default 2 CPU and 4Gi
   * requested and limited, Microsoft's minimum for MLflow models.
   */
  readonly kubernetesResources?: KubernetesResources;
  /** Default 1. */
  readonly instanceCount?: number;
  /**
   * Entra principals that may fetch this service's credentials (or call it, for AADToken): an object
   * id, whose type is read from Microsoft Graph, or `{objectId, type}`, which needs no Graph read.
   */
  readonly credentialReaders?: readonly CredentialReader[];
  /** The web API app's service principal object id; it gets the same access as the readers. */
  readonly webApplicationPrincipalId?: pulumi.Input<string>;
  /** Key endpoints only. Default { primary: 0, secondary: 0 }. */
  readonly keyRotation?: KeyRotationCounters;
}

/** The two keys of a key endpoint; always Pulumi secrets. */
export interface EndpointKeys {
  /** The primary key. */
  readonly primaryKey: string;
  /** The secondary key. */
  readonly secondaryKey: string;
}

/** What a client needs to fetch an AML token itself: tokens expire, so none is exported. */
export interface TokenAccess {
  /** The endpoint's name. */
  readonly endpointName: string;
  /** The workspace the endpoint belongs to. */
  readonly workspaceName: string;
  /** The workspace's resource group. */
  readonly resourceGroupName: string;
  /** The workspace's subscription. */
  readonly subscriptionId: string;
  /** POST this ARM path (api-version 2024-10-01 or later) to get {accessToken, expiryTimeUtc, refreshAfterTimeUtc}. */
  readonly tokenPath: string;
}

/** What a ModelWebService holds once its resources are created. */
export interface ModelWebServiceParts {
  readonly endpointName: string;
  readonly authMode: EndpointAuthMode;
  readonly endpoint: machinelearningservices.OnlineEndpoint;
  readonly deployment: machinelearningservices.OnlineDeployment;
  /** Kubernetes services without a named instance type: the `InstanceType` resource on the cluster. */
  readonly instanceType?: CustomResource;
  /** Services with a scoring script: its code version in the workspace. */
  readonly codeVersion?: machinelearningservices.CodeVersion;
  /** An ARM deployment that sets the endpoint's traffic once the deployment exists; see README "Traffic". */
  readonly traffic: resources.Deployment;
  readonly scoringUri: pulumi.Output<string>;
  /** Key endpoints: the keys Azure holds now, always secret. */
  readonly keys?: pulumi.Output<EndpointKeys>;
  /** Key endpoints: the keys configuration asks for, always secret; the values to regenerate with. */
  readonly configuredKeys?: pulumi.Output<EndpointKeys>;
  /** Key endpoints: ARM path of the regenerateKeys action. */
  readonly regenerateKeysPath?: pulumi.Output<string>;
  readonly tokenAccess?: pulumi.Output<TokenAccess>;
  /** AADToken endpoints: the audience of the Entra ID tokens clients send. */
  readonly aadTokenAudience?: string;
  readonly consumerRole?: authorization.RoleDefinition;
  readonly consumerRoleAssignments: readonly authorization.RoleAssignment[];
}

// The component's fields are its parts, assigned at once after its resources are created.
export interface ModelWebService extends ModelWebServiceParts {}
/**
 * A model behind an online endpoint with exactly one auth mode: a managed endpoint (the ACI
 * successor) or a Kubernetes endpoint on an attached AKS cluster (the AKS successor).
 */
export class ModelWebService extends pulumi.ComponentResource {
  constructor(name: string, args: ModelWebServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const auth = validateModelWebServiceArgs(name, args, opts);
    super(`${TYPE_PREFIX}:ModelWebService`, name, {}, opts);
    Object.assign(this, createModelWebServiceResources(this, name, args, auth));
    this.registerOutputs({
      endpointName: this.endpointName,
      authMode: this.authMode,
      scoringUri: this.scoringUri,
      keys: this.keys,
      configuredKeys: this.configuredKeys,
      regenerateKeysPath: this.regenerateKeysPath,
      tokenAccess: this.tokenAccess,
      aadTokenAudience: this.aadTokenAudience,
    });
  }
}

/**
 * The resources of a ModelWebService, children of `component`: the TypeScript component and the package's
 * (provider/) both register them under their own component, so both trees are the same.
 */
export function createModelWebServiceResources(component: pulumi.ComponentResource, name: string, args: ModelWebServiceArgs, auth: ServiceAuth): ModelWebServiceParts {
  const self = {} as Mutable<ModelWebServiceParts>;
  self.consumerRoleAssignments = [];
  const { workspace, compute } = args;
  self.endpointName = args.endpointName;
  self.authMode = ENDPOINT_AUTH_MODE[auth];
  const parent = { parent: component };
  const coordinates = { resourceGroupName: workspace.resourceGroupName, workspaceName: workspace.workspaceName };

  // Azure generates the endpoint's first keys; these secrets are what a rotation regenerates with.
  let configuredKeys: pulumi.Output<EndpointKeys> | undefined;
  if (auth === "key") {
    const rotation = { primary: args.keyRotation?.primary ?? 0, secondary: args.keyRotation?.secondary ?? 0 };
    const slotKey = (slot: "primary" | "secondary") =>
      new RandomPassword(`${name}-${slot}-key`, { length: 48, special: false, keepers: { rotation: String(rotation[slot]) } }, parent).result;
    configuredKeys = pulumi.secret(pulumi.all([slotKey("primary"), slotKey("secondary")]).apply(([primaryKey, secondaryKey]) => ({ primaryKey, secondaryKey })));
    self.configuredKeys = configuredKeys;
  }

  const properties = endpointProperties(component, self, name, args);
  const endpointArgs: machinelearningservices.OnlineEndpointArgs = {
    ...coordinates,
    endpointName: args.endpointName,
    location: workspace.location,
    identity: { type: "SystemAssigned" },
    tags: workspace.tags,
    properties,
  };
  const onCompute = compute.kind === "kubernetes" ? [...compute.cluster.ready] : [];
  self.endpoint = new machinelearningservices.OnlineEndpoint(`${name}-endpoint`, endpointArgs, {
    parent: component,
    dependsOn: onCompute,
    // Written once; every later change goes through the traffic template, which keeps traffic at 100%.
    ignoreChanges: [...ENDPOINT_SETTINGS_WRITTEN_BY_TRAFFIC],
    ...(compute.kind === "kubernetes" ? { transformations: [withoutSdkPublicNetworkAccess] } : {}),
  });

  const model = resolveAssetReference(args.model, "models", workspace.workspaceArmId);
  const environmentId = args.environment ? resolveAssetReference(args.environment, "environments", workspace.workspaceArmId) : undefined;
  if (args.code && workspace.codeStorage) self.codeVersion = registerCodeAsset(name, `${args.endpointName}-code`, args.code, workspace, workspace.codeStorage, component).codeVersion;
  const codeConfiguration = args.code && self.codeVersion ? { codeConfiguration: { codeId: self.codeVersion.id, scoringScript: args.code.scoringScript } } : {};
  const common = {
    model,
    ...(environmentId ? { environmentId } : {}),
    ...codeConfiguration,
    scaleSettings: { scaleType: "Default" as const },
    appInsightsEnabled: true,
  };
  let kubernetesInstanceType = args.instanceType;
  if (compute.kind === "kubernetes" && kubernetesInstanceType === undefined && compute.cluster instanceof AksInferenceCluster) {
    self.instanceType = createInstanceType(component, name, args.endpointName, compute.cluster, args.kubernetesResources ?? DEFAULT_KUBERNETES_RESOURCES);
    kubernetesInstanceType = args.endpointName.toLowerCase();
  }
  self.deployment = new machinelearningservices.OnlineDeployment(
    `${name}-deployment`,
    {
      ...coordinates,
      endpointName: self.endpoint.name,
      deploymentName: DEPLOYMENT_NAME,
      location: workspace.location,
      sku: { name: "Default", capacity: args.instanceCount ?? 1 },
      tags: workspace.tags,
      properties:
        compute.kind === "managed"
          ? { endpointComputeType: "Managed", instanceType: args.instanceType ?? DEFAULT_MANAGED_INSTANCE_TYPE, ...common }
          : { endpointComputeType: "Kubernetes", instanceType: kubernetesInstanceType ?? DEFAULT_INSTANCE_TYPE, ...common },
    },
    // Deleting the endpoint deletes its deployments; deleting a deployment that still has traffic fails.
    { parent: component, deletedWith: self.endpoint, ...(self.instanceType ? { dependsOn: [self.instanceType] } : {}) },
  );

  const traffic = endpointTrafficDeployment({
    workspaceName: workspace.workspaceName,
    endpointName: self.endpoint.name,
    location: workspace.location,
    tags: workspace.tags,
    authMode: self.authMode,
    description: endpointDescription(args.model),
    ...(compute.kind === "kubernetes" ? { compute: compute.cluster.computeId } : { publicNetworkAccess: MANAGED_ENDPOINT_PUBLIC_NETWORK_ACCESS }),
    deploymentName: DEPLOYMENT_NAME,
  });
  self.traffic = new resources.Deployment(
    `${name}-traffic`,
    {
      resourceGroupName: workspace.resourceGroupName,
      deploymentName: `${args.endpointName}-traffic`,
      properties: { mode: "Incremental", template: traffic.template, parameters: traffic.parameters },
    },
    { parent: component, dependsOn: [self.deployment, ...onCompute] },
  );

  self.scoringUri = pulumi.unsecret(self.endpoint.properties.apply((current) => current.scoringUri ?? ""));
  const endpointId = self.endpoint.id;
  if (configuredKeys) {
    self.keys = pulumi.secret(
      machinelearningservices
        .listOnlineEndpointKeysOutput({ ...coordinates, endpointName: self.endpoint.name }, parent)
        .apply((listed) => ({ primaryKey: listed.primaryKey ?? "", secondaryKey: listed.secondaryKey ?? "" })),
    );
    self.regenerateKeysPath = pulumi.interpolate`${endpointId}/regenerateKeys`;
  }
  if (auth === "amlToken") {
    self.tokenAccess = pulumi
      .all([self.endpoint.name, workspace.workspaceName, workspace.resourceGroupName, workspace.subscriptionId, endpointId])
      .apply(([endpointName, workspaceName, resourceGroupName, subscriptionId, id]) => ({
        endpointName,
        workspaceName,
        resourceGroupName,
        subscriptionId,
        tokenPath: `${id}/token`,
      }));
  }
  if (auth === "aadToken") self.aadTokenAudience = AAD_TOKEN_AUDIENCE;

  const access = grantConsumerAccess(component, self, name, args);
  if (access) {
    self.consumerRole = access.role;
    self.consumerRoleAssignments = access.assignments;
  }
  return self;
}

/**
 * No `keys`: Azure takes them only at creation and generates them when absent, so the endpoint's
 * inputs stay known in preview. Kubernetes endpoints get no `publicNetworkAccess`, which
 * Microsoft's own SDK sends only for managed endpoints.
 */
function endpointProperties(component: pulumi.ComponentResource, self: Mutable<ModelWebServiceParts>, name: string, args: ModelWebServiceArgs): machinelearningservices.OnlineEndpointArgs["properties"] {
  const base = { authMode: self.authMode, description: endpointDescription(args.model) };
  const { compute, workspace } = args;
  if (compute.kind === "managed") return { ...base, publicNetworkAccess: MANAGED_ENDPOINT_PUBLIC_NETWORK_ACCESS };
  const properties = { ...base, compute: compute.cluster.computeId };
  if (self.authMode !== "AMLToken" || compute.cluster.knownLocation) return properties;
  // The cluster's region is known only once Azure answers: check it then, before the endpoint is created.
  return compute.cluster.location.apply((clusterLocation) => {
    const pair: RegionPair = { service: name, workspaceLocation: workspace.location, clusterLocation };
    const error = enforceSameRegion(pair, compute.cluster.allowCrossRegion, component);
    if (error) throw new pulumi.ResourceError(error, component, true);
    return properties;
  });
}

/** An instance type of the service's own on its cluster, through the cluster's Kubernetes provider. */
function createInstanceType(component: pulumi.ComponentResource, name: string, endpointName: string, cluster: AksInferenceCluster, sizing: KubernetesResources): CustomResource {
  const { nvidiaGpu, ...limits } = sizing.limits;
  return new CustomResource(
    `${name}-instance-type`,
    {
      apiVersion: INSTANCE_TYPE_API_VERSION,
      kind: "InstanceType",
      metadata: { name: endpointName.toLowerCase(), labels: { "app.kubernetes.io/managed-by": "aml-webservices" } },
      spec: { resources: { requests: { ...sizing.requests }, limits: { ...limits, ...(nvidiaGpu !== undefined ? { "nvidia.com/gpu": nvidiaGpu } : {}) } } },
    },
    // The extension installs the InstanceType definition.
    { parent: component, provider: cluster.kubernetesProvider, dependsOn: [cluster.extension] },
  );
}

function grantConsumerAccess(
  component: pulumi.ComponentResource,
  self: Mutable<ModelWebServiceParts>,
  name: string,
  args: ModelWebServiceArgs,
): { role: authorization.RoleDefinition; assignments: authorization.RoleAssignment[] } | undefined {
  // Azure refuses an assignment whose principalType does not match the principal: take the type
  // from config, or ask Entra ID (which needs Graph read permission when a service principal deploys).
  const principals: { key: string; principalId: pulumi.Input<string>; principalType: pulumi.Input<string> }[] = (args.credentialReaders ?? []).map((reader) => {
    const id = readerObjectId(reader);
    return {
      key: id.toLowerCase(),
      principalId: id,
      principalType: typeof reader === "string" ? azuread.getDirectoryObjectOutput({ objectId: id }, { parent: component }).type : reader.type,
    };
  });
  if (args.webApplicationPrincipalId !== undefined) {
    principals.push({ key: "web-application", principalId: args.webApplicationPrincipalId, principalType: "ServicePrincipal" });
  }
  if (principals.length === 0) return undefined;
  const { workspace } = args;
  const permissions = consumerPermissions(self.authMode);
  const resourceGroupId = workspace.resourceGroupId;
  const role = new authorization.RoleDefinition(
    `${name}-consumer-role`,
    {
      // Custom role names are unique per tenant, so the subscription is part of the identity.
      roleDefinitionId: workspace.subscriptionId.apply((subscription) => stableUuid("consumer-role", subscription, workspace.names.resourceGroup, args.endpointName)),
      roleName: workspace.subscriptionId.apply((subscription) => consumerRoleName(args.endpointName, workspace.names.resourceGroup, subscription)),
      description: consumerRoleDescription(self.authMode),
      roleType: "CustomRole",
      scope: resourceGroupId,
      assignableScopes: [resourceGroupId],
      permissions: [{ actions: [...permissions.actions], dataActions: [], notActions: [], notDataActions: [] }],
    },
    { parent: component },
  );
  const assignments = principals.map(
    (principal) =>
      new authorization.RoleAssignment(
        `${name}-consumer-${principal.key}`,
        {
          roleAssignmentName: pulumi
            .all([workspace.subscriptionId, principal.principalId])
            .apply(([subscription, id]) => stableUuid("consumer-assignment", subscription, workspace.names.resourceGroup, args.endpointName, id)),
          principalId: principal.principalId,
          principalType: principal.principalType,
          roleDefinitionId: role.id,
          scope: self.endpoint.id,
        },
        { parent: component },
      ),
  );
  return { role, assignments };
}


const MANAGED_ENDPOINT_PUBLIC_NETWORK_ACCESS = "Enabled";

/**
 * The azure-native SDK fills `publicNetworkAccess: "Enabled"` into every endpoint it registers;
 * a Kubernetes endpoint must not carry it, so it is taken out again before registration.
 */
const withoutSdkPublicNetworkAccess: pulumi.ResourceTransformation = ({ props, opts }) => ({
  props: {
    ...props,
    properties: pulumi.output(props.properties).apply((properties: Record<string, unknown>) => {
      const { publicNetworkAccess: _sdkDefault, ...sent } = properties;
      return sent;
    }),
  },
  opts,
});

function endpointDescription(model: string): string {
  return `${model} served by aml-webservices`;
}


/** Validates everything known at construction; returns the effective auth mode. */
export function validateModelWebServiceArgs(name: string, args: ModelWebServiceArgs, opts: pulumi.ComponentResourceOptions | undefined): ServiceAuth {
  const { compute } = args;
  const auth: ServiceAuth = compute.auth ?? DEFAULT_AUTH[compute.kind === "managed" ? "managed" : "aks"];
  const problems: string[] = [];
  if (compute.kind === "kubernetes" && auth === "aadToken") {
    problems.push(`compute.auth: "aadToken" is not supported with compute kind "kubernetes" (Kubernetes online endpoints support key or amlToken)`);
  }
  const endpointProblem = namingProblem("onlineEndpoint", args.endpointName);
  if (endpointProblem) problems.push(endpointProblem);
  if (!isAssetReference(args.model)) problems.push(`model "${args.model}" is not a model reference ("<name>:<version>", azureml://..., or an ARM id)`);
  if (args.environment !== undefined && !isAssetReference(args.environment)) problems.push(`environment "${args.environment}" is not an environment reference`);
  problems.push(...workloadProblems(args));
  if (args.instanceCount !== undefined && !(Number.isInteger(args.instanceCount) && args.instanceCount >= 1)) problems.push(`instanceCount ${args.instanceCount} must be a whole number of at least 1`);
  const readers = new Set<string>();
  for (const reader of args.credentialReaders ?? []) {
    const id = readerObjectId(reader);
    if (!GUID.test(id)) problems.push(`credentialReaders: "${id}" is not an Entra object id (a GUID)`);
    if (readers.has(id.toLowerCase())) {
      problems.push(`credentialReaders: "${id}" is given twice (object ids compare ignoring case, and Azure refuses a second assignment of the same role to the same principal at one scope; remove the duplicate)`);
    }
    readers.add(id.toLowerCase());
    if (typeof reader !== "string" && !PRINCIPAL_TYPES.includes(reader.type)) {
      problems.push(`credentialReaders: type "${String(reader.type)}" of "${id}" is not one of ${PRINCIPAL_TYPES.join(", ")}`);
    }
  }
  if (args.keyRotation && auth !== "key") problems.push(`keyRotation applies only to key auth, not "${auth}"`);
  for (const slot of ["primary", "secondary"] as const) {
    const counter = args.keyRotation?.[slot];
    if (counter !== undefined && !(Number.isInteger(counter) && counter >= 0)) problems.push(`keyRotation.${slot} ${counter} must be a whole number from 0 up`);
  }
  if (problems.length > 0) throw new pulumi.ResourceError(`ModelWebService "${name}": ${problems.join("; ")}`, opts?.parent, true);

  if (compute.kind === "kubernetes" && auth === "amlToken" && compute.cluster.knownLocation) {
    const pair = { service: name, workspaceLocation: args.workspace.location, clusterLocation: compute.cluster.knownLocation };
    const error = enforceSameRegion(pair, compute.cluster.allowCrossRegion, opts?.parent);
    if (error) throw new pulumi.ResourceError(error, opts?.parent, true);
  }
  return auth;
}

/** What the model needs to be served: code and environment for custom models, an instance type that fits on Kubernetes. */
function workloadProblems(args: ModelWebServiceArgs): string[] {
  const problems: string[] = [];
  const format = args.modelFormat ?? "mlflow";
  if (!MODEL_FORMATS.includes(format)) problems.push(`modelFormat "${String(format)}" is not one of ${MODEL_FORMATS.map((f) => `"${f}"`).join(", ")}`);
  if (format === "custom" && !args.code) {
    problems.push(`modelFormat is "custom" but no code is given (Azure ML serves a model that is not MLflow only through a scoring script: give code { directory, scoringScript } and environment)`);
  }
  if (args.code && args.environment === undefined) problems.push(`code is given without environment (a scoring script runs in an environment: give environment "<name>:<version>")`);
  if (args.code) {
    const problem = scoringCodeProblem(args.code);
    if (problem) problems.push(problem);
    if (!args.workspace.codeStorage) problems.push(`code needs the workspace's default datastore, which is known only for a workspace this stack creates (register the code in the workspace yourself and deploy it there)`);
  }
  const { compute } = args;
  const servedWithoutCode = format === "mlflow" && !args.code;
  if (compute.kind === "managed" && args.kubernetesResources) problems.push(`kubernetesResources applies only to compute kind "kubernetes" (managed endpoints size by instanceType)`);
  if (compute.kind === "kubernetes") {
    if (args.instanceType === undefined && !(compute.cluster instanceof AksInferenceCluster)) {
      problems.push(`instanceType is required on a Kubernetes compute another team attached (name one of its cluster's instance types; this stack creates instance types only on clusters it attaches)`);
    } else if (args.instanceType !== undefined && args.kubernetesResources) {
      problems.push(`instanceType "${args.instanceType}" and kubernetesResources are both set (choose one: an instance type that exists on the cluster, or the resources of the service's own)`);
    } else if (args.instanceType === DEFAULT_INSTANCE_TYPE && servedWithoutCode) {
      problems.push(
        `instanceType "${DEFAULT_INSTANCE_TYPE}" requests 100m CPU and 2Gi, below Microsoft's minimum for an MLflow model (2 CPU and 4 GB requested); ` +
          `remove instanceType to get an instance type of the service's own, sized by kubernetesResources`,
      );
    } else if (args.instanceType === undefined) {
      problems.push(...kubernetesResourcesProblems(args.kubernetesResources ?? DEFAULT_KUBERNETES_RESOURCES, servedWithoutCode, "kubernetesResources"));
    }
  }
  return problems;
}
