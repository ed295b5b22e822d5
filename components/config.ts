import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { closestRegions, isAzureRegion, normalizeRegion, type AzureRegion } from "./azureRegions";
import {
  DEFAULT_AUTH,
  SERVICE_AUTHS,
  SERVICE_COMPUTES,
  unsupportedAuthReason,
  type KubernetesServiceAuth,
  type ServiceAuth,
} from "./authModes";
import { DEFAULT_INSTANCE_TYPE, DEFAULT_NODE_COUNT, DEFAULT_VM_SIZE } from "./aksInferenceCluster";
import { isAssetReference } from "./assetReferences";
import { editDistance } from "./editDistance";
import { scoringCodeProblem, type ScoringCode } from "./codeAsset";
import { DEFAULT_KUBERNETES_RESOURCES, kubernetesResourcesProblems, type KubernetesResources } from "./kubernetesResources";
import { MODEL_FORMATS, type ModelFormat } from "./modelWebService";
import { PRINCIPAL_TYPES, type CredentialReader } from "./endpointAccess";
import { endpointName, NAMING_RULES, namingProblem, platformNames, platformNamingProblems } from "./naming";
import {
  AKS_CLUSTER_ID,
  DEFAULT_AAD_AUTHORITY,
  ENVIRONMENT,
  GUID,
  HOSTNAME,
  ML_COMPUTE_ID,
  ML_WORKSPACE_ID,
  RESOURCE_GROUP_ID,
  STORAGE_ACCOUNT_ID,
  SUBNET_ID,
} from "./patterns";
import { isCidr } from "./cidr";
import { hubZonesNeedHubSubnets, privateNetworkProblems, type ManagedOutbound, type PrivateSubnets, type WorkspaceNetwork } from "./workspaceNetwork";

/** The stack configuration namespace: keys are `aml-webservices:<key>`. */
export const CONFIG_NAMESPACE = "aml-webservices";

/** Keys that name JavaScript object internals, never a setting: refused anywhere in the stack config. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

export interface AadConfig {
  readonly authority: string;
  readonly grantAdminConsent: boolean;
}

/** The network of a new private workspace when the stack names none: an isolated network of its own. */
export const DEFAULT_PRIVATE_SUBNETS: Extract<PrivateSubnets, { kind: "new" }> = {
  kind: "new",
  addressSpace: "10.40.0.0/16",
  privateEndpointSubnet: "10.40.0.0/24",
  aksSubnet: "10.40.16.0/20",
};

export interface NewWorkspaceConfig {
  readonly kind: "new";
  /** public, or private with its private endpoints, DNS zones, managed network and AKS subnet */
  readonly network: WorkspaceNetwork;
  readonly hbi: boolean;
  readonly protect: boolean;
  /** appended to the globally unique names (storage account, key vault, container registry) */
  readonly nameSuffix: string;
}

/** A workspace another team owns; this stack adds clusters and services to it. */
export interface ExistingWorkspaceConfig {
  readonly kind: "existing";
  readonly workspaceId: string;
  /** whether the workspace has a private endpoint: then clusters must be in its region */
  readonly privateEndpoint: boolean;
  /** a high-business-impact workspace's storage account, where a compute this stack attaches needs roles */
  readonly hbiStorageAccountId?: string;
}

export type WorkspaceConfig = NewWorkspaceConfig | ExistingWorkspaceConfig;

/** TLS for the inference router: the host name clients call and the Kubernetes secret with its certificate. */
export type InferenceTlsConfig =
  | {
      readonly hostname: string;
      /** PEM, from secret config; the component stores it in a Kubernetes secret before the extension installs */
      readonly certificate: string;
      readonly privateKey: string;
    }
  | {
      readonly hostname: string;
      /** an existing Kubernetes secret in the azureml namespace of an attached cluster */
      readonly certificateSecret: string;
    };

interface AksClusterPolicy {
  /** undefined only when allowInsecureConnections is true */
  readonly tls?: InferenceTlsConfig;
  readonly allowInsecureConnections: boolean;
  readonly allowCrossRegion: boolean;
}

export interface NewAksClusterConfig extends AksClusterPolicy {
  readonly kind: "new";
  readonly location: AzureRegion;
  readonly nodeCount: number;
  readonly vmSize: string;
}

export interface ExistingAksClusterConfig extends AksClusterPolicy {
  readonly kind: "existing";
  readonly clusterId: string;
  /** when omitted, read from Azure at deployment time */
  readonly location?: AzureRegion;
}

/** A Kubernetes compute another team attached to the workspace: nothing of the cluster is managed here. */
export interface ExistingComputeConfig {
  readonly kind: "existingCompute";
  readonly computeId: string;
  /** the region of the compute's cluster */
  readonly location: AzureRegion;
  readonly allowCrossRegion: boolean;
}

export type AksClusterConfig = NewAksClusterConfig | ExistingAksClusterConfig | ExistingComputeConfig;

export interface KeyRotation {
  readonly primary: number;
  readonly secondary: number;
}

interface ServiceConfigBase {
  readonly name: string;
  readonly endpointName: string;
  readonly model: string;
  readonly modelFormat: ModelFormat;
  readonly code?: ScoringCode;
  readonly environment?: string;
  readonly instanceType?: string;
  readonly instanceCount: number;
  readonly credentialReaders: readonly CredentialReader[];
  readonly keyRotation: KeyRotation;
}

export interface ManagedServiceConfig extends ServiceConfigBase {
  readonly compute: "managed";
  readonly auth: ServiceAuth;
}

export interface AksServiceConfig extends ServiceConfigBase {
  readonly compute: "aks";
  readonly auth: KubernetesServiceAuth;
  /** requests and limits of the service's own instance type; absent when instanceType names one on the cluster */
  readonly resources?: KubernetesResources;
}

export type ServiceConfig = ManagedServiceConfig | AksServiceConfig;

/** A validated stack configuration with every default applied. */
export interface StackConfig {
  readonly environment: string;
  readonly location: AzureRegion;
  readonly aad?: AadConfig;
  readonly workspace: WorkspaceConfig;
  readonly aksCluster?: AksClusterConfig;
  readonly services: readonly ServiceConfig[];
}

/** Every problem of an invalid stack configuration, each naming its key path. */
export class StackConfigError extends pulumi.RunError {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((problem) => `  - ${problem}`).join("\n"),
    );
    this.name = "StackConfigError";
  }
}

const ALLOWED = {
  environment: `2-10 lowercase letters or digits, e.g. "dev"`,
  location: `an Azure region name such as "westeurope"`,
  authority: `an https URL such as "${DEFAULT_AAD_AUTHORITY}"`,
  boolean: "true or false",
  publicNetworkAccess: `"Enabled" or "Disabled"`,
  nameSuffix: "1-6 lowercase letters or digits",
  nodeCount: "a whole number from 1 to 100",
  vmSize: `an Azure VM size such as "${DEFAULT_VM_SIZE}"`,
  clusterId: "the ARM id of an AKS cluster: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerService/managedClusters/<name>",
  computeId: "the ARM id of a Kubernetes compute of the workspace: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.MachineLearningServices/workspaces/<workspace>/computes/<name>",
  workspaceId: "the ARM id of an Azure ML workspace: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.MachineLearningServices/workspaces/<name>",
  cidr: `an IPv4 CIDR block such as "10.40.0.0/16"`,
  subnetId: "the ARM id of a subnet: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<network>/subnets/<subnet>",
  resourceGroupId: "the ARM id of a resource group: /subscriptions/<id>/resourceGroups/<group>",
  storageAccountId: "the ARM id of a storage account: /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name>",
  managedOutbound: `"AllowInternetOutbound" or "AllowOnlyApprovedOutbound"`,
  serviceName: "3-32 letters, digits or hyphens, starting with a letter",
  compute: SERVICE_COMPUTES.map((compute) => `"${compute}"`).join(" or "),
  auth: SERVICE_AUTHS.map((auth) => `"${auth}"`).join(", "),
  model: `"<name>:<version>" of a model registered in the workspace, an azureml:// asset id, or an ARM id`,
  environmentAsset: `"<name>:<version>" of an environment registered in the workspace, an azureml:// asset id, or an ARM id`,
  instanceType: `an instance type name such as "Standard_DS3_v2" (managed) or "defaultinstancetype" (aks)`,
  instanceCount: "a whole number from 1 to 100",
  principal: `an Entra object id, a GUID such as "00000000-0000-0000-0000-000000000000"; use the principal's object id, not its name`,
  principalType: PRINCIPAL_TYPES.map((type) => `"${type}"`).join(", "),
  modelFormat: MODEL_FORMATS.map((format) => `"${format}"`).join(" or "),
  codeDirectory: "a directory holding the scoring script, relative to the project",
  scoringScript: `the script's path inside code.directory, e.g. "score.py"`,
  cpu: `a CPU quantity as a string, e.g. "2" or "1500m"`,
  memory: `a memory quantity as a string, e.g. "4Gi"`,
  gpu: "a whole number of NVIDIA GPUs from 0 to 16",
  rotation: "a whole number from 0 up; raise it by one to rotate that key",
  hostname: `the DNS name clients call, e.g. "scoring.contoso.com"`,
  certificateSecret: "the name of a Kubernetes secret in the azureml namespace holding cert.pem and key.pem",
  pem: "PEM text, set as a secret: pulumi config set --path --secret <key> < file.pem",
  services: "a list of services",
} as const;

const SERVICE_NAME = NAMING_RULES.onlineEndpoint.pattern;

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** An error message for a field: what was given and what is allowed. */
function allowed(description: string) {
  return (issue: { input?: unknown }): string =>
    issue.input === undefined ? `is required (${description})` : `${show(issue.input)} is not allowed (${description})`;
}

function strictObject<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? `(known: ${known})` : allowed(`an object with ${known}`)(issue)),
  });
}

const bool = () => z.boolean({ error: allowed(ALLOWED.boolean) });
const wholeNumber = (min: number, max: number, description: string) =>
  z
    .number({ error: allowed(description) })
    .int({ error: allowed(description) })
    .min(min, { error: allowed(description) })
    .max(max, { error: allowed(description) });

const quantity = (description: string) => z.string({ error: allowed(description) }).min(1, { error: allowed(description) });

const region = z
  .string({ error: allowed(ALLOWED.location) })
  .transform(normalizeRegion)
  .refine(isAzureRegion, {
    error: (issue) => {
      const hints = closestRegions(String(issue.input));
      const hint = hints.length > 0 ? `did you mean ${hints.map((h) => `"${h}"`).join(" or ")}? ` : "";
      return `${show(issue.input)} is not an Azure region (${hint}use the programmatic name, e.g. "westeurope")`;
    },
  });

const cidr = () => z.string({ error: allowed(ALLOWED.cidr) }).refine(isCidr, { error: allowed(ALLOWED.cidr) }).optional();
const armId = (pattern: RegExp, description: string) => z.string({ error: allowed(description) }).regex(pattern, { error: allowed(description) }).optional();

const kubernetesResourcesSchema = strictObject({
  requests: strictObject({ cpu: quantity(ALLOWED.cpu), memory: quantity(ALLOWED.memory) }),
  limits: strictObject({ cpu: quantity(ALLOWED.cpu), memory: quantity(ALLOWED.memory), nvidiaGpu: wholeNumber(0, 16, ALLOWED.gpu).optional() }),
});

const serviceSchema = strictObject({
  name: z.string({ error: allowed(ALLOWED.serviceName) }).regex(SERVICE_NAME, { error: allowed(ALLOWED.serviceName) }),
  compute: z.enum(SERVICE_COMPUTES as [ServiceConfig["compute"], ...ServiceConfig["compute"][]], { error: allowed(`one of ${ALLOWED.compute}`) }),
  auth: z.enum(SERVICE_AUTHS as [ServiceAuth, ...ServiceAuth[]], { error: allowed(`one of ${ALLOWED.auth}`) }).optional(),
  model: z.string({ error: allowed(ALLOWED.model) }).refine(isAssetReference, { error: allowed(ALLOWED.model) }),
  modelFormat: z.enum(MODEL_FORMATS as [ModelFormat, ...ModelFormat[]], { error: allowed(ALLOWED.modelFormat) }).default("mlflow"),
  code: strictObject({
    directory: z.string({ error: allowed(ALLOWED.codeDirectory) }).min(1, { error: allowed(ALLOWED.codeDirectory) }),
    scoringScript: z.string({ error: allowed(ALLOWED.scoringScript) }).min(1, { error: allowed(ALLOWED.scoringScript) }),
  }).optional(),
  resources: kubernetesResourcesSchema.optional(),
  environment: z.string({ error: allowed(ALLOWED.environmentAsset) }).refine(isAssetReference, { error: allowed(ALLOWED.environmentAsset) }).optional(),
  instanceType: z.string({ error: allowed(ALLOWED.instanceType) }).regex(/^[A-Za-z][\w-]{0,62}$/, { error: allowed(ALLOWED.instanceType) }).optional(),
  instanceCount: wholeNumber(1, 100, ALLOWED.instanceCount).default(1),
  credentialReaders: z
    .array(
      z.union(
        [
          z.string({ error: allowed(ALLOWED.principal) }).regex(GUID, { error: allowed(ALLOWED.principal) }),
          strictObject({
            objectId: z.string({ error: allowed(ALLOWED.principal) }).regex(GUID, { error: allowed(ALLOWED.principal) }),
            type: z.enum(PRINCIPAL_TYPES, { error: allowed(ALLOWED.principalType) }),
          }),
        ],
        { error: allowed(`${ALLOWED.principal}, or {objectId, type} with type ${ALLOWED.principalType}`) },
      ),
      { error: allowed(`a list of ${ALLOWED.principal}`) },
    )
    .default([]),
  keyRotation: strictObject({
    primary: wholeNumber(0, 1_000_000, ALLOWED.rotation).default(0),
    secondary: wholeNumber(0, 1_000_000, ALLOWED.rotation).default(0),
  }).default({ primary: 0, secondary: 0 }),
});

const stackSchema = strictObject({
  environment: z.string({ error: allowed(ALLOWED.environment) }).regex(ENVIRONMENT, { error: allowed(ALLOWED.environment) }),
  location: region,
  aad: strictObject({
    authority: z
      .url({ protocol: /^https$/, error: allowed(ALLOWED.authority) })
      .transform((url) => url.replace(/\/+$/, ""))
      .default(DEFAULT_AAD_AUTHORITY),
    grantAdminConsent: bool().default(true),
  }).optional(),
  workspace: strictObject({
    publicNetworkAccess: z.enum(["Enabled", "Disabled"], { error: allowed(ALLOWED.publicNetworkAccess) }).default("Disabled"),
    hbi: bool().default(false),
    protect: bool().optional(),
    nameSuffix: z.string({ error: allowed(ALLOWED.nameSuffix) }).regex(/^[a-z0-9]{1,6}$/, { error: allowed(ALLOWED.nameSuffix) }).default(""),
    privateNetwork: strictObject({
      subnets: strictObject({
        addressSpace: cidr(),
        privateEndpointSubnet: cidr(),
        aksSubnet: cidr(),
        privateEndpointSubnetId: armId(SUBNET_ID, ALLOWED.subnetId),
        aksSubnetId: armId(SUBNET_ID, ALLOWED.subnetId),
      }).optional(),
      privateDnsZonesResourceGroupId: armId(RESOURCE_GROUP_ID, ALLOWED.resourceGroupId),
      managedOutbound: z.enum(["AllowInternetOutbound", "AllowOnlyApprovedOutbound"], { error: allowed(ALLOWED.managedOutbound) }).optional(),
    }).optional(),
    existingWorkspaceId: armId(ML_WORKSPACE_ID, ALLOWED.workspaceId),
    privateEndpoint: bool().optional(),
    hbiStorageAccountId: armId(STORAGE_ACCOUNT_ID, ALLOWED.storageAccountId),
  }).default({ publicNetworkAccess: "Disabled", hbi: false, nameSuffix: "" }),
  aksCluster: strictObject({
    location: region.optional(),
    nodeCount: wholeNumber(1, 100, ALLOWED.nodeCount).optional(),
    vmSize: z.string({ error: allowed(ALLOWED.vmSize) }).regex(/^Standard_[A-Za-z0-9_]+$/, { error: allowed(ALLOWED.vmSize) }).optional(),
    existingClusterId: z.string({ error: allowed(ALLOWED.clusterId) }).regex(AKS_CLUSTER_ID, { error: allowed(ALLOWED.clusterId) }).optional(),
    existingComputeId: armId(ML_COMPUTE_ID, ALLOWED.computeId),
    tls: strictObject({
      hostname: z
        .string({ error: allowed(ALLOWED.hostname) })
        .regex(HOSTNAME, { error: allowed(ALLOWED.hostname) }),
      certificate: z.string({ error: allowed(ALLOWED.pem) }).min(1, { error: allowed(ALLOWED.pem) }).optional(),
      privateKey: z.string({ error: allowed(ALLOWED.pem) }).min(1, { error: allowed(ALLOWED.pem) }).optional(),
      certificateSecret: z
        .string({ error: allowed(ALLOWED.certificateSecret) })
        .regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, { error: allowed(ALLOWED.certificateSecret) })
        .optional(),
    }).optional(),
    allowInsecureConnections: bool().default(false),
    allowCrossRegion: bool().default(false),
  }).optional(),
  services: z.array(serviceSchema, { error: allowed(ALLOWED.services) }).default([]),
});

type ParsedStack = z.output<typeof stackSchema>;

/** Validates raw stack configuration (keys without namespace) and applies every default. */
export function parseStackConfig(raw: unknown): StackConfig {
  return validateStackConfig(raw, []);
}

/** Reads the stack configuration of the running Pulumi program and validates it. */
export function loadStackConfig(): StackConfig {
  return parseCliConfig(pulumi.runtime.allConfig());
}

/**
 * Validates the configuration as the Pulumi CLI passes it to a program: every namespace, values as
 * strings, objects and arrays as JSON. Keys of this project are read; a key under a misspelt
 * namespace of this project is refused, since the program would otherwise never see it.
 */
export function parseCliConfig(all: Readonly<Record<string, string>>): StackConfig {
  const prefix = `${CONFIG_NAMESPACE}:`;
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  let unreadable = false;
  for (const [key, value] of Object.entries(all)) {
    if (key.startsWith(prefix)) {
      const name = key.slice(prefix.length);
      // an own property even for "__proto__", so it is refused below rather than changing raw's prototype
      const parsed = /^\s*[[{]/.test(value) ? parseJson(value) : value;
      if (parsed === INVALID_JSON) {
        problems.push(`${key}: the value is not valid JSON or YAML structure (${value.slice(0, 60)})`);
        unreadable = true;
      } else Object.defineProperty(raw, name, { value: parsed, enumerable: true, writable: true, configurable: true });
      continue;
    }
    const namespace = key.slice(0, Math.max(0, key.indexOf(":")));
    if (isNearMissNamespace(namespace)) {
      problems.push(
        `${key}: "${namespace}" is not this project's configuration namespace, so the program would never read this setting ` +
          `(did you mean "${CONFIG_NAMESPACE}:${key.slice(namespace.length + 1)}"? rename the key)`,
      );
    }
  }
  // without an unreadable value, the other rules would report problems that are not there
  if (unreadable) throw new StackConfigError(problems);
  return validateStackConfig(raw, problems);
}

function validateStackConfig(raw: unknown, earlierProblems: readonly string[]): StackConfig {
  const parsed = stackSchema.safeParse(raw);
  const problems = [...earlierProblems, ...forbiddenKeyProblems(raw, [])];
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap(describeIssue));
  problems.push(...crossFieldProblems(raw));
  if (!parsed.success || problems.length > 0) throw new StackConfigError(dedupe(problems));
  return resolveDefaults(parsed.data);
}

const INVALID_JSON = Symbol("invalid JSON");

function parseJson(value: string): unknown {
  try {
    // JSON.parse makes "__proto__" an own property; it never sets a prototype
    return JSON.parse(value);
  } catch {
    return INVALID_JSON;
  }
}

/**
 * A namespace that differs from this project's only by case, separators or a letter or two
 * (`aml-webservice`, `AML_WebServices`): a typo, not another package's settings.
 */
function isNearMissNamespace(namespace: string): boolean {
  if (namespace === "" || namespace === CONFIG_NAMESPACE) return false;
  const squash = (name: string): string => name.toLowerCase().replace(/[-_.\s]/g, "");
  return squash(namespace) === squash(CONFIG_NAMESPACE) || editDistance(namespace.toLowerCase(), CONFIG_NAMESPACE) <= 2;
}

/** `__proto__`, `constructor` and `prototype` as keys, at any depth, each with its path. */
function forbiddenKeyProblems(value: unknown, path: readonly PropertyKey[]): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => forbiddenKeyProblems(item, [...path, index]));
  if (typeof value !== "object" || value === null) return [];
  return Object.keys(value).flatMap((key) => {
    const here = [...path, key];
    const nested = forbiddenKeyProblems((value as RawObject)[key], here);
    if (!FORBIDDEN_KEYS.has(key)) return nested;
    const where = path.length === 0 ? `${CONFIG_NAMESPACE}:${key}` : formatPath(here);
    return [`${where}: "${key}" is not allowed as a key anywhere in the stack configuration (it names JavaScript object internals, never a setting; remove it)`, ...nested];
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === "number" ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
    "",
  );
}

/** `services[0].compute is …` reads as a sentence; other messages follow a colon. */
function atPath(path: readonly PropertyKey[], message: string): string {
  const where = formatPath(path);
  if (!where) return message;
  return message.startsWith("is ") ? `${where} ${message}` : `${where}: ${message}`;
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") {
    // forbidden keys get their own message from forbiddenKeyProblems
    return issue.keys.filter((key) => !FORBIDDEN_KEYS.has(key)).map((key) => {
      const where = issue.path.length > 0 ? formatPath([...issue.path, key]) : `${CONFIG_NAMESPACE}:${key}`;
      return `${where} is not a known setting ${issue.message}`;
    });
  }
  return [atPath(issue.path, issue.message)];
}

type RawObject = Record<string, unknown>;

function asObject(value: unknown): RawObject | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as RawObject) : undefined;
}

function defaultAuth(compute: unknown): ServiceAuth | undefined {
  return compute === "managed" || compute === "aks" ? DEFAULT_AUTH[compute] : undefined;
}

/** Rules that relate several keys; they read the raw input leniently so that every problem is reported at once. */
function crossFieldProblems(raw: unknown): string[] {
  const stack = asObject(raw);
  if (!stack) return [];
  const problems: string[] = [];
  const environment = typeof stack.environment === "string" && ENVIRONMENT.test(stack.environment) ? stack.environment : undefined;
  const location = typeof stack.location === "string" && isAzureRegion(normalizeRegion(stack.location)) ? normalizeRegion(stack.location) : undefined;
  const aksCluster = asObject(stack.aksCluster);
  const services = Array.isArray(stack.services) ? stack.services.map(asObject) : [];
  const workspace = asObject(stack.workspace);

  if (aksCluster?.existingClusterId !== undefined) {
    for (const key of ["nodeCount", "vmSize"] as const) {
      if (aksCluster[key] !== undefined) {
        problems.push(`aksCluster.${key} applies only to a new cluster (remove it, or remove aksCluster.existingClusterId to create the cluster)`);
      }
    }
  }

  problems.push(...workspaceProblems(workspace));
  const existingWorkspaceId = typeof workspace?.existingWorkspaceId === "string" && ML_WORKSPACE_ID.test(workspace.existingWorkspaceId) ? workspace.existingWorkspaceId : undefined;
  if (aksCluster?.existingComputeId !== undefined) {
    for (const key of ["nodeCount", "vmSize", "existingClusterId", "tls", "allowInsecureConnections"] as const) {
      if (aksCluster[key] !== undefined) {
        problems.push(`aksCluster.${key} does not apply to an existing compute, whose cluster and AzureML extension its owner manages (remove it, or remove aksCluster.existingComputeId)`);
      }
    }
    if (aksCluster.location === undefined) problems.push(`aksCluster.location is required with aksCluster.existingComputeId (the region of the compute's cluster)`);
    const compute = typeof aksCluster.existingComputeId === "string" ? ML_COMPUTE_ID.exec(aksCluster.existingComputeId) : null;
    const owner = existingWorkspaceId
      ? ML_WORKSPACE_ID.exec(existingWorkspaceId)?.slice(2, 4)
      : environment && location
        ? [platformNames(environment, location as AzureRegion).resourceGroup, platformNames(environment, location as AzureRegion).mlWorkspace]
        : undefined;
    if (compute && owner && `${compute[2]}/${compute[3]}`.toLowerCase() !== owner.join("/").toLowerCase()) {
      problems.push(
        `aksCluster.existingComputeId belongs to workspace "${compute[2]}/${compute[3]}", but the services' workspace is "${owner.join("/")}" ` +
          `(an endpoint runs only on a compute of its own workspace; set workspace.existingWorkspaceId to the compute's workspace)`,
      );
    }
  }

  if (aksCluster && aksCluster.existingComputeId === undefined) {
    if (aksCluster.tls === undefined && aksCluster.allowInsecureConnections !== true) {
      problems.push(
        `aksCluster.tls is required unless aksCluster.allowInsecureConnections is true (the AzureML extension serves scoring over TLS: ` +
          `give tls.hostname with tls.certificate and tls.privateKey, or allow plain HTTP on a test cluster)`,
      );
    }
    const tls = asObject(aksCluster.tls);
    if (tls) {
      const pem = tls.certificate !== undefined || tls.privateKey !== undefined;
      if (pem && tls.certificateSecret !== undefined) {
        problems.push(`aksCluster.tls sets both certificateSecret and certificate/privateKey (choose one: the PEM pair, or an existing secret)`);
      } else if (pem && (tls.certificate === undefined || tls.privateKey === undefined)) {
        problems.push(`aksCluster.tls needs both certificate and privateKey (PEM, set as secrets with pulumi config set --path --secret)`);
      } else if (!pem && tls.certificateSecret === undefined) {
        problems.push(`aksCluster.tls needs certificate and privateKey (PEM), or certificateSecret naming an existing secret in an attached cluster`);
      } else if (tls.certificateSecret !== undefined && aksCluster.existingClusterId === undefined) {
        problems.push(
          `aksCluster.tls.certificateSecret names a secret in the cluster this stack creates, which cannot exist before the extension installs ` +
            `(give tls.certificate and tls.privateKey instead; the secret is created for you)`,
        );
      }
    }
    if (aksCluster.tls !== undefined && aksCluster.allowInsecureConnections === true) {
      problems.push(`aksCluster.allowInsecureConnections is true but aksCluster.tls is also set (choose one: remove tls, or remove allowInsecureConnections)`);
    }
    if (aksCluster.existingClusterId !== undefined && aksCluster.location === undefined) {
      problems.push(
        `aksCluster.location is required with aksCluster.existingClusterId (the cluster's region; the same-region check and the offline plan need it)`,
      );
    }
  }

  // Azure resource names are case-insensitive, and the endpoint name derives from the service name
  const firstUseOfName = new Map<string, { index: number; name: string }>();
  services.forEach((service, index) => {
    if (!service) return;
    const at = `services[${index}]`;
    const auth = service.auth ?? defaultAuth(service.compute);
    if (service.compute === "aks" && !aksCluster) {
      problems.push(`${at}.compute is "aks" but no aksCluster is configured (add aksCluster with tls to create a cluster, or aksCluster.existingClusterId to attach one)`);
    }
    if ((service.compute === "managed" || service.compute === "aks") && typeof auth === "string" && SERVICE_AUTHS.includes(auth as ServiceAuth)) {
      const reason = unsupportedAuthReason(service.compute, auth as ServiceAuth);
      if (reason) problems.push(`${at}.auth: ${reason}`);
    }
    problems.push(...workloadProblems(service, at, { existingCompute: aksCluster?.existingComputeId !== undefined, existingWorkspace: workspace?.existingWorkspaceId !== undefined }));
    if (service.keyRotation !== undefined && auth !== undefined && auth !== "key") {
      problems.push(`${at}.keyRotation is set but auth is "${String(auth)}" (keys exist only with auth "key"; remove keyRotation)`);
    }
    if (Array.isArray(service.credentialReaders)) problems.push(...duplicateReaderProblems(at, service.credentialReaders));
    if (typeof service.name === "string") {
      const first = firstUseOfName.get(service.name.toLowerCase());
      if (first === undefined) {
        firstUseOfName.set(service.name.toLowerCase(), { index, name: service.name });
      } else if (first.name === service.name) {
        problems.push(`${at}.name: "${service.name}" is already used by services[${first.index}] (service names must be unique in a stack)`);
      } else {
        problems.push(
          `${at}.name: "${service.name}" differs only in case from "${first.name}" of services[${first.index}] ` +
            `(Azure names are case-insensitive, so both would be the same online endpoint; service names must be unique in a stack ignoring case)`,
        );
      }
      if (environment && SERVICE_NAME.test(service.name)) {
        const problem = namingProblem("onlineEndpoint", endpointName(service.name, environment));
        if (problem) problems.push(`${at}.name: "${service.name}" gives the ${problem}; shorten the service name`);
      }
    }
  });

  if (environment && location && isAzureRegion(location)) {
    const suffix = typeof workspace?.nameSuffix === "string" && /^[a-z0-9]{1,6}$/.test(workspace.nameSuffix) ? workspace.nameSuffix : "";
    const origin = suffix ? "environment, location and workspace.nameSuffix" : "environment and location";
    for (const problem of platformNamingProblems(platformNames(environment, location, suffix))) {
      problems.push(`${origin} give the ${problem}; choose a shorter environment${suffix ? " or nameSuffix" : ""}`);
    }
  }

  const clusterLocation = typeof aksCluster?.location === "string" ? normalizeRegion(aksCluster.location) : location;
  const privateWorkspace = existingWorkspaceId ? workspace?.privateEndpoint === true : (workspace?.publicNetworkAccess ?? "Disabled") === "Disabled";
  const elsewhere = aksCluster && location && clusterLocation && isAzureRegion(clusterLocation) && clusterLocation !== location;
  if (elsewhere && privateWorkspace) {
    problems.push(
      `aksCluster.location: "${clusterLocation}" differs from location "${location}", but the workspace has a private endpoint, and Azure then requires ` +
        `its AKS clusters in its region for every auth mode (allowCrossRegion does not apply; set aksCluster.location to "${location}")`,
    );
  } else if (elsewhere && aksCluster.allowCrossRegion !== true) {
    services.forEach((service, tokenService) => {
      if (service?.compute !== "aks" || (service.auth ?? DEFAULT_AUTH.aks) !== "amlToken") return;
      problems.push(
        `aksCluster.location: "${clusterLocation}" differs from location "${location}", but services[${tokenService}] uses amlToken on compute "aks" ` +
          `(token auth needs the workspace and the cluster in the same region, because every token request goes to the workspace's region; ` +
          `set aksCluster.location to "${location}", or set aksCluster.allowCrossRegion: true to accept that risk)`,
      );
    });
  }
  return problems;
}

/** Entra object ids are GUIDs, which compare case-insensitively: each reader once per service. */
function duplicateReaderProblems(at: string, readers: readonly unknown[]): string[] {
  const firstUse = new Map<string, number>();
  const problems: string[] = [];
  readers.forEach((entry, index) => {
    // a reader is an object id, or {objectId, type}
    const reader = typeof entry === "string" ? entry : asObject(entry)?.objectId;
    if (typeof reader !== "string" || !GUID.test(reader)) return;
    const first = firstUse.get(reader.toLowerCase());
    if (first === undefined) firstUse.set(reader.toLowerCase(), index);
    else {
      problems.push(
        `${at}.credentialReaders[${index}]: "${reader}" is the same object id as credentialReaders[${first}] ` +
          `(object ids compare ignoring case, and Azure refuses a second assignment of the same role to the same principal at the same scope; remove the duplicate)`,
      );
    }
  });
  return problems;
}

/** Code, environment and instance type rules, read leniently like the other cross-field rules. */
function workloadProblems(service: RawObject, at: string, platform: { existingCompute: boolean; existingWorkspace: boolean }): string[] {
  const problems: string[] = [];
  const format = service.modelFormat ?? "mlflow";
  const code = asObject(service.code);
  if (format === "custom" && !code) {
    problems.push(`${at}.modelFormat is "custom" but ${at}.code is missing (Azure ML serves a model that is not MLflow only through a scoring script: give code.directory, code.scoringScript and environment)`);
  }
  if (code && service.environment === undefined) problems.push(`${at}.code is set without ${at}.environment (a scoring script runs in an environment: give environment "<name>:<version>")`);
  if (code && platform.existingWorkspace) {
    problems.push(`${at}.code needs the workspace's default datastore, known only for a workspace this stack creates (remove workspace.existingWorkspaceId, or register the code in that workspace yourself)`);
  }
  if (code && typeof code.directory === "string" && typeof code.scoringScript === "string" && code.directory && code.scoringScript) {
    const problem = scoringCodeProblem({ directory: code.directory, scoringScript: code.scoringScript });
    if (problem) problems.push(`${at}.${problem}`);
  }
  const servedWithoutCode = format === "mlflow" && !code;
  const resources = asObject(service.resources);
  if (service.compute === "managed" && resources) problems.push(`${at}.resources applies only to compute "aks" (managed services size by instanceType)`);
  if (service.compute !== "aks") return problems;
  if (platform.existingCompute) {
    if (resources) problems.push(`${at}.resources does not apply to an existing compute, whose cluster its owner manages (name one of its instance types in ${at}.instanceType)`);
    else if (service.instanceType === undefined) problems.push(`${at}.instanceType is required with aksCluster.existingComputeId (name one of the cluster's instance types; this stack creates instance types only on clusters it attaches)`);
  }
  if (platform.existingCompute && (resources || service.instanceType === undefined)) return problems;
  if (service.instanceType !== undefined && resources) {
    problems.push(`${at}.instanceType and ${at}.resources are both set (choose one: an instance type that exists on the cluster, or the resources of the service's own)`);
  } else if (service.instanceType === DEFAULT_INSTANCE_TYPE && servedWithoutCode) {
    problems.push(
      `${at}.instanceType "${DEFAULT_INSTANCE_TYPE}" requests 100m CPU and 2Gi, below Microsoft's minimum for an MLflow model (2 CPU and 4 GB requested); ` +
        `remove instanceType to get an instance type of the service's own, sized by ${at}.resources`,
    );
  } else if (service.instanceType === undefined) {
    const parsed = kubernetesResourcesSchema.safeParse(service.resources ?? DEFAULT_KUBERNETES_RESOURCES);
    if (parsed.success) problems.push(...kubernetesResourcesProblems(parsed.data, servedWithoutCode, `${at}.resources`));
  }
  return problems;
}

const NEW_WORKSPACE_KEYS = ["publicNetworkAccess", "hbi", "protect", "nameSuffix", "privateNetwork"] as const;
const NEW_NETWORK_KEYS = ["addressSpace", "privateEndpointSubnet", "aksSubnet"] as const;
const EXISTING_SUBNET_KEYS = ["privateEndpointSubnetId", "aksSubnetId"] as const;

/** The workspace keys that belong together: a new workspace and its network, or an existing one. */
function workspaceProblems(workspace: RawObject | undefined): string[] {
  if (!workspace) return [];
  const problems: string[] = [];
  if (workspace.existingWorkspaceId !== undefined) {
    for (const key of NEW_WORKSPACE_KEYS) {
      if (workspace[key] !== undefined) problems.push(`workspace.${key} applies only to a workspace this stack creates (remove it, or remove workspace.existingWorkspaceId)`);
    }
    if (workspace.privateEndpoint === undefined) {
      problems.push(`workspace.privateEndpoint is required with workspace.existingWorkspaceId (true when the workspace has a private endpoint: its AKS clusters must then be in its region)`);
    }
    return problems;
  }
  if (workspace.privateEndpoint !== undefined) {
    problems.push(`workspace.privateEndpoint applies only with workspace.existingWorkspaceId (a workspace this stack creates has one exactly when publicNetworkAccess is "Disabled")`);
  }
  if (workspace.hbiStorageAccountId !== undefined) {
    problems.push(`workspace.hbiStorageAccountId applies only with workspace.existingWorkspaceId (for a workspace this stack creates, set workspace.hbi)`);
  }
  const privateNetwork = asObject(workspace.privateNetwork);
  if (!privateNetwork) return problems;
  if (workspace.publicNetworkAccess === "Enabled") {
    problems.push(`workspace.privateNetwork is set but workspace.publicNetworkAccess is "Enabled" (a private network comes with public access disabled: remove privateNetwork, or set publicNetworkAccess: "Disabled")`);
  }
  const subnets = asObject(privateNetwork.subnets);
  if (!subnets) {
    // The default is a new network.
    if (privateNetwork.privateDnsZonesResourceGroupId !== undefined) problems.push(hubZonesNeedHubSubnets("workspace.privateNetwork"));
    return problems;
  }
  const given = (keys: readonly string[]) => keys.filter((key) => subnets[key] !== undefined);
  const fresh = given(NEW_NETWORK_KEYS);
  const existing = given(EXISTING_SUBNET_KEYS);
  const at = "workspace.privateNetwork.subnets";
  if (fresh.length > 0 && existing.length > 0) {
    problems.push(`${at} mixes a new network (${NEW_NETWORK_KEYS.join(", ")}) with existing subnets (${EXISTING_SUBNET_KEYS.join(", ")}); choose one`);
  } else if (fresh.length > 0 && fresh.length < NEW_NETWORK_KEYS.length) {
    problems.push(`${at} needs ${NEW_NETWORK_KEYS.join(", ")} together for a new network`);
  } else if (existing.length > 0 && existing.length < EXISTING_SUBNET_KEYS.length) {
    problems.push(`${at} needs both ${EXISTING_SUBNET_KEYS.join(" and ")} for existing subnets`);
  } else if (fresh.length === 0 && existing.length === 0) {
    problems.push(`${at} needs ${NEW_NETWORK_KEYS.join(", ")} for a new network, or ${EXISTING_SUBNET_KEYS.join(" and ")} of a hub team's subnets`);
  } else {
    const network = resolveNetwork(privateNetwork);
    // Malformed values are already reported by the schema.
    const wellFormed = fresh.every((key) => isCidr(String(subnets[key]))) && existing.every((key) => SUBNET_ID.test(String(subnets[key])));
    const malformedZones = (problem: string) => problem.includes("privateDnsZonesResourceGroupId") && problem.includes("is not the ARM id");
    if (wellFormed && network.kind === "private") problems.push(...privateNetworkProblems(network, "workspace.privateNetwork").filter((problem) => !malformedZones(problem)));
  }
  return problems;
}

function resolveNetwork(privateNetwork: RawObject | undefined): WorkspaceNetwork {
  const subnets = asObject(privateNetwork?.subnets);
  const text = (value: unknown) => String(value ?? "");
  const resolved: PrivateSubnets = !subnets
    ? DEFAULT_PRIVATE_SUBNETS
    : subnets.privateEndpointSubnetId !== undefined
      ? { kind: "existing", privateEndpointSubnetId: text(subnets.privateEndpointSubnetId), aksSubnetId: text(subnets.aksSubnetId) }
      : { kind: "new", addressSpace: text(subnets.addressSpace), privateEndpointSubnet: text(subnets.privateEndpointSubnet), aksSubnet: text(subnets.aksSubnet) };
  const zones = privateNetwork?.privateDnsZonesResourceGroupId;
  const outbound = privateNetwork?.managedOutbound;
  return {
    kind: "private",
    subnets: resolved,
    ...(typeof zones === "string" ? { privateDnsZonesResourceGroupId: zones } : {}),
    ...(typeof outbound === "string" ? { managedOutbound: outbound as ManagedOutbound } : {}),
  };
}

function resolveWorkspace(parsed: ParsedStack): WorkspaceConfig {
  const { workspace } = parsed;
  if (workspace.existingWorkspaceId !== undefined) {
    return {
      kind: "existing",
      workspaceId: workspace.existingWorkspaceId,
      privateEndpoint: workspace.privateEndpoint ?? true,
      ...(workspace.hbiStorageAccountId !== undefined ? { hbiStorageAccountId: workspace.hbiStorageAccountId } : {}),
    };
  }
  return {
    kind: "new",
    network: workspace.publicNetworkAccess === "Enabled" ? { kind: "public" } : resolveNetwork(workspace.privateNetwork as RawObject | undefined),
    hbi: workspace.hbi,
    protect: workspace.protect ?? parsed.environment === "prod",
    nameSuffix: workspace.nameSuffix,
  };
}

function resolveDefaults(parsed: ParsedStack): StackConfig {
  const location = parsed.location as AzureRegion;
  const aks = parsed.aksCluster;
  const aksCluster: AksClusterConfig | undefined = !aks
    ? undefined
    : aks.existingComputeId !== undefined
      ? { kind: "existingCompute", computeId: aks.existingComputeId, location: (aks.location ?? location) as AzureRegion, allowCrossRegion: aks.allowCrossRegion }
      : aks.existingClusterId !== undefined
      ? {
          kind: "existing",
          clusterId: aks.existingClusterId,
          ...(aks.location ? { location: aks.location as AzureRegion } : {}),
          ...(aks.tls ? { tls: tlsConfig(aks.tls) } : {}),
          allowInsecureConnections: aks.allowInsecureConnections,
          allowCrossRegion: aks.allowCrossRegion,
        }
      : {
          kind: "new",
          location: (aks.location as AzureRegion | undefined) ?? location,
          nodeCount: aks.nodeCount ?? DEFAULT_NODE_COUNT,
          vmSize: aks.vmSize ?? DEFAULT_VM_SIZE,
          ...(aks.tls ? { tls: tlsConfig(aks.tls) } : {}),
          allowInsecureConnections: aks.allowInsecureConnections,
          allowCrossRegion: aks.allowCrossRegion,
        };
  const services = parsed.services.map((service): ServiceConfig => {
    const common = {
      name: service.name,
      endpointName: endpointName(service.name, parsed.environment),
      model: service.model,
      modelFormat: service.modelFormat,
      ...(service.code !== undefined ? { code: service.code } : {}),
      ...(service.environment !== undefined ? { environment: service.environment } : {}),
      ...(service.instanceType !== undefined ? { instanceType: service.instanceType } : {}),
      instanceCount: service.instanceCount,
      credentialReaders: service.credentialReaders,
      keyRotation: service.keyRotation,
    };
    if (service.compute === "aks") {
      const resources = service.instanceType === undefined ? kubernetesResources(service.resources) : undefined;
      return { ...common, compute: "aks", auth: (service.auth ?? DEFAULT_AUTH.aks) as KubernetesServiceAuth, ...(resources ? { resources } : {}) };
    }
    return { ...common, compute: "managed", auth: service.auth ?? DEFAULT_AUTH.managed };
  });
  return {
    environment: parsed.environment,
    location,
    ...(parsed.aad ? { aad: parsed.aad } : {}),
    workspace: resolveWorkspace(parsed),
    ...(aksCluster ? { aksCluster } : {}),
    services,
  };
}

function kubernetesResources(raw: z.output<typeof kubernetesResourcesSchema> | undefined): KubernetesResources {
  if (!raw) return DEFAULT_KUBERNETES_RESOURCES;
  const { nvidiaGpu, ...limits } = raw.limits;
  return { requests: raw.requests, limits: { ...limits, ...(nvidiaGpu !== undefined ? { nvidiaGpu } : {}) } };
}

function tlsConfig(tls: { hostname: string; certificate?: string | undefined; privateKey?: string | undefined; certificateSecret?: string | undefined }): InferenceTlsConfig {
  return tls.certificateSecret !== undefined
    ? { hostname: tls.hostname, certificateSecret: tls.certificateSecret }
    : { hostname: tls.hostname, certificate: tls.certificate ?? "", privateKey: tls.privateKey ?? "" };
}

function dedupe(problems: string[]): string[] {
  return [...new Set(problems)];
}
