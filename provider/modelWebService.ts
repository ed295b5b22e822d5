import * as pulumi from "@pulumi/pulumi";
import type { CredentialReader } from "../components/endpointAccess";
import { ExistingKubernetesCompute, type KubernetesCompute } from "../components/kubernetesCompute";
import {
  createModelWebServiceResources,
  type EndpointKeys,
  type KeyRotationCounters,
  type ModelWebServiceArgs as TypedModelWebServiceArgs,
  type ModelWebServiceCompute,
  type TokenAccess,
  validateModelWebServiceArgs,
} from "../components/modelWebService";
import type { ServiceWorkspace } from "../components/serviceWorkspace";
import { TYPE_PREFIX } from "../components/typeTokens";
import { ComputeKind, ModelFormat, PrincipalType, ServiceAuth } from "./enums";
import { Problems } from "./plainChecks";
import { serviceWorkspace, type WorkspaceReference } from "./workspaceReference";

/** Where the service runs, and its one auth mode. */
export interface ComputeSettings {
  /** "managed" (the ACI successor) or "kubernetes" (the AKS successor, on an attached cluster). */
  readonly kind: ComputeKind;
  /** Managed default "key"; Kubernetes default "amlToken". Kubernetes endpoints refuse "aadToken". */
  readonly auth?: ServiceAuth;
  /** Kubernetes only: ARM id of the workspace compute, an AksInferenceCluster's computeId or one another team attached. */
  readonly computeId?: pulumi.Input<string>;
  /** Kubernetes only, required: the cluster's region, e.g. "westeurope"; token services must be in the workspace's region. */
  readonly location?: string;
  /** Kubernetes only: the cluster's allowCrossRegion. Default false. */
  readonly allowCrossRegion?: boolean;
}

/** An Entra principal that may fetch the service's credentials (or call it, for aadToken). */
export interface CredentialReaderSettings {
  /** The principal's object id. */
  readonly objectId: string;
  /** "User", "Group" or "ServicePrincipal". When omitted it is read from Microsoft Graph, which needs Graph read permission. */
  readonly type?: PrincipalType;
}

export interface ModelWebServiceArgs {
  /** The workspace the endpoint belongs to. */
  readonly workspace: WorkspaceReference;
  /** 3-32 letters, digits or hyphens; unique in the Azure region. */
  readonly endpointName: string;
  /** Where the service runs, and its auth mode. */
  readonly compute: ComputeSettings;
  /** "<name>:<version>" in the workspace, an azureml:// asset id, or an ARM id. */
  readonly model: string;
  /** Default "mlflow". Scoring code is uploaded only by the TypeScript library, so "custom" models are refused here. */
  readonly modelFormat?: ModelFormat;
  /** Same forms as model; optional for MLflow models. */
  readonly environment?: string;
  /** Managed: a VM size, default "Standard_DS3_v2". Kubernetes, required: an instance type that exists on the cluster. */
  readonly instanceType?: string;
  /** Default 1. */
  readonly instanceCount?: number;
  /** Principals that may fetch the service's credentials, or call it with an Entra ID token. */
  readonly credentialReaders?: CredentialReaderSettings[];
  /** The web API app's service principal object id (AadApplications' webServicePrincipalObjectId); it gets the readers' access. */
  readonly webApplicationPrincipalId?: pulumi.Input<string>;
  /** Key endpoints only: raise a counter by one to rotate that slot's key. Default 0 and 0. */
  readonly keyRotation?: KeyRotationCounters;
}

/**
 * A model behind an online endpoint with exactly one auth mode: a managed endpoint (the ACI
 * successor) or a Kubernetes endpoint on an attached AKS cluster (the AKS successor).
 */
export class ModelWebService extends pulumi.ComponentResource {
  /** The endpoint's name. */
  readonly endpointName: string;
  /** "Key", "AMLToken" or "AADToken". */
  readonly authMode: string;
  /** Where clients send scoring requests. */
  readonly scoringUri: pulumi.Output<string>;
  /** Key endpoints: the keys Azure holds now, a Pulumi secret. */
  readonly keys?: pulumi.Output<EndpointKeys>;
  /** Key endpoints: the values a rotation regenerates the keys with, a Pulumi secret. */
  readonly configuredKeys?: pulumi.Output<EndpointKeys>;
  /** Key endpoints: ARM path of the regenerateKeys action. */
  readonly regenerateKeysPath?: pulumi.Output<string>;
  /** AML token endpoints: what a client needs to fetch a token; no token is exported. */
  readonly tokenAccess?: pulumi.Output<TokenAccess>;
  /** Entra ID token endpoints: the audience of the tokens clients send. */
  readonly aadTokenAudience?: string;

  constructor(name: string, args: ModelWebServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    const typedArgs = typedModelWebServiceArgs(name, args, opts);
    // Every check of the TypeScript component runs before anything is registered.
    const auth = validateModelWebServiceArgs(name, typedArgs, opts);
    super(`${TYPE_PREFIX}:ModelWebService`, name, {}, opts);
    // The TypeScript component's resources, directly under this component: the same tree as in TypeScript.
    const service = createModelWebServiceResources(this, name, typedArgs, auth);
    this.endpointName = service.endpointName;
    this.authMode = service.authMode;
    this.scoringUri = service.scoringUri;
    if (service.keys) this.keys = service.keys;
    if (service.configuredKeys) this.configuredKeys = service.configuredKeys;
    if (service.regenerateKeysPath) this.regenerateKeysPath = service.regenerateKeysPath;
    if (service.tokenAccess) this.tokenAccess = service.tokenAccess;
    if (service.aadTokenAudience) this.aadTokenAudience = service.aadTokenAudience;
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

export function typedModelWebServiceArgs(name: string, args: ModelWebServiceArgs, opts?: pulumi.ComponentResourceOptions): TypedModelWebServiceArgs {
  const problems = new Problems();
  const workspace = serviceWorkspace(`ModelWebService "${name}" workspace`, args.workspace, problems);
  const compute = workspace ? serviceCompute(name, args.compute, workspace, problems) : undefined;
  if (compute?.kind === "kubernetes" && args.instanceType === undefined) {
    // The TypeScript library creates an instance type of the service's own through the cluster's
    // Kubernetes provider, which a cluster known by its compute id does not carry.
    problems.add(`instanceType is required with compute.kind "kubernetes": name an instance type that exists on the cluster (see the README on instance types)`);
  }
  const modelFormat = args.modelFormat === undefined ? undefined : problems.oneOf("modelFormat", ModelFormat, args.modelFormat);
  if (modelFormat === ModelFormat.Custom) {
    problems.add(`modelFormat "custom" needs a scoring script, which only the TypeScript library uploads; register the model as MLflow, or deploy it with the TypeScript library`);
  }
  const credentialReaders = (args.credentialReaders ?? []).map((reader, index): CredentialReader => {
    if (reader.type === undefined) return reader.objectId;
    const type = problems.oneOf(`credentialReaders[${index}].type`, PrincipalType, reader.type);
    return type === undefined ? reader.objectId : { objectId: reader.objectId, type };
  });
  if (problems.list.length > 0 || !workspace || !compute) throw new pulumi.ResourceError(`ModelWebService "${name}": ${problems.list.join("; ")}`, opts?.parent, true);
  return {
    workspace,
    endpointName: args.endpointName,
    compute,
    model: args.model,
    ...(modelFormat !== undefined ? { modelFormat } : {}),
    ...(args.environment !== undefined ? { environment: args.environment } : {}),
    ...(args.instanceType !== undefined ? { instanceType: args.instanceType } : {}),
    ...(args.instanceCount !== undefined ? { instanceCount: args.instanceCount } : {}),
    ...(args.credentialReaders !== undefined ? { credentialReaders } : {}),
    ...(args.webApplicationPrincipalId !== undefined ? { webApplicationPrincipalId: args.webApplicationPrincipalId } : {}),
    ...(args.keyRotation !== undefined ? { keyRotation: args.keyRotation } : {}),
  };
}

const KUBERNETES_ONLY = ["computeId", "location", "allowCrossRegion"] as const;

function serviceCompute(name: string, settings: ComputeSettings, workspace: ServiceWorkspace, problems: Problems): ModelWebServiceCompute | undefined {
  const kind = problems.oneOf("compute.kind", ComputeKind, settings.kind);
  const auth = settings.auth === undefined ? undefined : problems.oneOf("compute.auth", ServiceAuth, settings.auth);
  if (kind === ComputeKind.Managed) {
    const misplaced = KUBERNETES_ONLY.filter((key) => settings[key] !== undefined);
    if (misplaced.length > 0) problems.add(`compute.${misplaced.join(", compute.")} apply only to compute.kind "kubernetes"`);
    return { kind: "managed", ...(auth !== undefined ? { auth } : {}) };
  }
  if (kind === undefined) return undefined;
  // The types of the TypeScript library refuse this; here it is refused before anything is registered.
  if (auth === ServiceAuth.AadToken) {
    problems.add(`compute.auth: "aadToken" is not supported with compute kind "kubernetes" (Kubernetes online endpoints support key or amlToken)`);
    return undefined;
  }
  const cluster = kubernetesCompute(name, settings, workspace, problems);
  return cluster ? { kind: "kubernetes", cluster, ...(auth !== undefined ? { auth } : {}) } : undefined;
}

/**
 * A compute known by its id. An id known now is checked like ExistingKubernetesCompute; an
 * AksInferenceCluster's output carries the dependency on that cluster.
 */
function kubernetesCompute(name: string, settings: ComputeSettings, workspace: ServiceWorkspace, problems: Problems): KubernetesCompute | undefined {
  if (settings.computeId === undefined) {
    problems.add(`compute.computeId is required with compute.kind "kubernetes" (an AksInferenceCluster's computeId, or the ARM id of a compute another team attached)`);
    return undefined;
  }
  if (settings.location === undefined) {
    problems.add(`compute.location is required with compute.kind "kubernetes" (the region of the compute's AKS cluster, e.g. "westeurope")`);
    return undefined;
  }
  const location = problems.region("compute.location", settings.location);
  if (problems.list.length > 0 || !location) return undefined;
  if (typeof settings.computeId === "string") {
    try {
      return new ExistingKubernetesCompute(`ModelWebService "${name}" compute`, {
        workspace,
        computeId: settings.computeId,
        location,
        ...(settings.allowCrossRegion !== undefined ? { allowCrossRegion: settings.allowCrossRegion } : {}),
      });
    } catch (error) {
      problems.add(error instanceof Error ? error.message : String(error));
      return undefined;
    }
  }
  const computeId = pulumi.output(settings.computeId);
  return {
    kind: "created",
    workspace,
    computeId,
    location: pulumi.output(location),
    knownLocation: location,
    allowCrossRegion: settings.allowCrossRegion ?? false,
    ready: [],
  };
}
