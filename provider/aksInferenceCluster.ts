import * as pulumi from "@pulumi/pulumi";
import {
  createAksInferenceClusterResources,
  type AksClusterSource,
  type AksInferenceClusterArgs as TypedAksInferenceClusterArgs,
  type InferenceTransport,
  validateAksInferenceClusterArgs,
} from "../components/aksInferenceCluster";
import { TYPE_PREFIX } from "../components/typeTokens";
import { InferenceRouterServiceType } from "./enums";
import { Problems } from "./plainChecks";
import { serviceWorkspace, type WorkspaceReference } from "./workspaceReference";

/** The cluster: a new one in the workspace's resource group, or an existing one to attach (existingClusterId). */
export interface ClusterSettings {
  /** ARM id of an existing managed cluster to attach; omit to create one. */
  readonly existingClusterId?: string;
  /** The cluster's region, e.g. "westeurope". New cluster default: the workspace's region; an attached cluster's is read from Azure when omitted. */
  readonly location?: string;
  /** New cluster only. Default 3; under 3 nodes the inference router runs without HA. */
  readonly nodeCount?: number;
  /** New cluster only. Default "Standard_D4s_v5". */
  readonly vmSize?: string;
}

/**
 * How scoring requests reach the inference router: TLS with `hostname` and a certificate (PEM, or a
 * secret already in the cluster's azureml namespace), or plain HTTP with `insecure: true`, for test clusters only.
 */
export interface TransportSettings {
  /** The host name clients call; the certificate must cover it. */
  readonly hostname?: string;
  /** The certificate chain, PEM; stored as a Kubernetes secret. A Pulumi secret. */
  readonly certificatePem?: pulumi.Input<string>;
  /** The certificate's private key, PEM. A Pulumi secret. */
  readonly privateKeyPem?: pulumi.Input<string>;
  /** Attached clusters only: a secret in the azureml namespace holding cert.pem and key.pem. */
  readonly existingSecretName?: string;
  /** Serve plain HTTP: keys and tokens cross the network in clear. Default false. */
  readonly insecure?: boolean;
}

export interface AksInferenceClusterArgs {
  /** The workspace the cluster's compute is attached to. */
  readonly workspace: WorkspaceReference;
  /** Default: a new cluster in the workspace's region. */
  readonly cluster?: ClusterSettings;
  /** TLS or, for test clusters, plain HTTP. */
  readonly transport: TransportSettings;
  /** Let token-auth services use a cluster outside the workspace's region, with a warning. Default false. */
  readonly allowCrossRegion?: boolean;
  /** Default "LoadBalancer". */
  readonly inferenceRouterServiceType?: InferenceRouterServiceType;
}

/**
 * An AKS cluster prepared for Kubernetes online endpoints: the AzureML extension with inference on,
 * an inference namespace, and the workspace compute that points at both.
 */
export class AksInferenceCluster extends pulumi.ComponentResource {
  /** ARM id of the managed cluster. */
  readonly clusterId: pulumi.Output<string>;
  /** The cluster's region. */
  readonly location: pulumi.Output<string>;
  /** ARM id of the workspace compute; give it to services as compute.computeId. */
  readonly computeId: pulumi.Output<string>;
  /** The workspace compute's name. */
  readonly computeName: pulumi.Output<string>;
  /** The cluster user's kubeconfig, a Pulumi secret. */
  readonly kubeconfig: pulumi.Output<string>;
  /** Whether token-auth services may run here from another region. */
  readonly allowCrossRegion: boolean;

  constructor(name: string, args: AksInferenceClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    const typedArgs = typedAksInferenceClusterArgs(name, args, opts);
    // Every check of the TypeScript component runs before anything is registered.
    validateAksInferenceClusterArgs(name, typedArgs, opts);
    super(`${TYPE_PREFIX}:AksInferenceCluster`, name, {}, opts);
    // The TypeScript component's resources, directly under this component: the same tree as in TypeScript.
    const cluster = createAksInferenceClusterResources(this, name, typedArgs);
    this.clusterId = cluster.clusterId;
    this.location = cluster.location;
    // Carries the compute as a dependency, so that a service given this id waits for the attached
    // compute, as `ready` makes it wait in TypeScript; the compute's URN keeps the id known in preview.
    this.computeId = pulumi.all([cluster.computeId, cluster.compute.urn]).apply(([computeId]) => computeId);
    this.computeName = cluster.computeName;
    this.kubeconfig = cluster.kubeconfig;
    this.allowCrossRegion = cluster.allowCrossRegion;
    this.registerOutputs({
      clusterId: this.clusterId,
      location: this.location,
      computeId: this.computeId,
      computeName: this.computeName,
      kubeconfig: this.kubeconfig,
      allowCrossRegion: this.allowCrossRegion,
    });
  }
}

export function typedAksInferenceClusterArgs(name: string, args: AksInferenceClusterArgs, opts?: pulumi.ComponentResourceOptions): TypedAksInferenceClusterArgs {
  const problems = new Problems();
  const workspace = serviceWorkspace(`AksInferenceCluster "${name}" workspace`, args.workspace, problems);
  const cluster = clusterSource(args.cluster ?? {}, problems);
  const transport = inferenceTransport(args.transport, problems);
  const routerServiceType =
    args.inferenceRouterServiceType === undefined ? undefined : problems.oneOf("inferenceRouterServiceType", InferenceRouterServiceType, args.inferenceRouterServiceType);
  if (problems.list.length > 0 || !workspace || !cluster || !transport) {
    throw new pulumi.ResourceError(`AksInferenceCluster "${name}": ${problems.list.join("; ")}`, opts?.parent, true);
  }
  return {
    workspace,
    cluster,
    transport,
    ...(args.allowCrossRegion !== undefined ? { allowCrossRegion: args.allowCrossRegion } : {}),
    ...(routerServiceType !== undefined ? { inferenceRouterServiceType: routerServiceType } : {}),
  };
}

function clusterSource(settings: ClusterSettings, problems: Problems): AksClusterSource | undefined {
  const location = settings.location === undefined ? undefined : problems.region("cluster.location", settings.location);
  if (settings.location !== undefined && location === undefined) return undefined;
  if (settings.existingClusterId === undefined) {
    return {
      kind: "new",
      ...(location ? { location } : {}),
      ...(settings.nodeCount !== undefined ? { nodeCount: settings.nodeCount } : {}),
      ...(settings.vmSize !== undefined ? { vmSize: settings.vmSize } : {}),
    };
  }
  const newOnly = (["nodeCount", "vmSize"] as const).filter((key) => settings[key] !== undefined);
  if (newOnly.length > 0) problems.add(`cluster.${newOnly.join(", cluster.")} apply only to a new cluster, not to cluster.existingClusterId`);
  return { kind: "existing", clusterId: settings.existingClusterId, ...(location ? { location } : {}) };
}

function inferenceTransport(settings: TransportSettings, problems: Problems): InferenceTransport | undefined {
  const pem = settings.certificatePem !== undefined || settings.privateKeyPem !== undefined;
  const secret = settings.existingSecretName !== undefined;
  if (settings.insecure === true) {
    const tlsFields = (["hostname", "certificatePem", "privateKeyPem", "existingSecretName"] as const).filter((key) => settings[key] !== undefined);
    if (tlsFields.length > 0) problems.add(`transport.insecure is true but transport.${tlsFields.join(", transport.")} configure TLS; choose one`);
    return { kind: "insecure" };
  }
  if (settings.hostname === undefined) {
    problems.add(`transport needs hostname with a certificate (certificatePem and privateKeyPem, or existingSecretName) for TLS, or insecure: true for plain HTTP on a test cluster`);
    return undefined;
  }
  if (pem === secret) {
    problems.add(`transport.hostname needs exactly one certificate: certificatePem with privateKeyPem, or existingSecretName`);
    return undefined;
  }
  if (pem) {
    if (settings.certificatePem === undefined || settings.privateKeyPem === undefined) {
      problems.add(`transport needs both certificatePem and privateKeyPem`);
      return undefined;
    }
    return { kind: "tls", hostname: settings.hostname, certificate: { kind: "pem", certificatePem: settings.certificatePem, privateKeyPem: settings.privateKeyPem } };
  }
  return { kind: "tls", hostname: settings.hostname, certificate: { kind: "existingSecret", secretName: settings.existingSecretName! } };
}
