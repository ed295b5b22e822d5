import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { AksInferenceCluster } from "../../components/aksInferenceCluster";
import { MlWorkspace } from "../../components/mlWorkspace";
import { ModelWebService } from "../../components/modelWebService";
import type { CredentialReader } from "../../components/endpointAccess";
import type { AksClusterSource } from "../../components/aksInferenceCluster";
import type { ServiceAuth } from "../../components/authModes";
import type { KeyRotationCounters, ModelWebServiceArgs, TokenAccess } from "../../components/modelWebService";
import { FAKE_SUBSCRIPTION_ID } from "../../plan/azureFakes";
import { isSecretEnvelope } from "../../plan/wireValues";
import { inputs, ofType, outputs, single } from "../harness/records";
import { EXISTING_CLUSTER_ID as EXISTING_ID, runComponents } from "../harness/componentRun";
import { sharedRuns } from "../harness/sharedRuns";

const T = {
  service: "aml-webservices:index:ModelWebService",
  endpoint: "azure-native:machinelearningservices:OnlineEndpoint",
  deployment: "azure-native:machinelearningservices:OnlineDeployment",
  compute: "azure-native:machinelearningservices:Compute",
  workspace: "azure-native:machinelearningservices:Workspace",
  resourceGroup: "azure-native:resources:ResourceGroup",
  roleDefinition: "azure-native:authorization:RoleDefinition",
  roleAssignment: "azure-native:authorization:RoleAssignment",
  password: "random:index/randomPassword:RandomPassword",
  armDeployment: "azure-native:resources:Deployment",
  instanceType: "kubernetes:amlarc.azureml.com/v1alpha1:InstanceType",
  extension: "azure-native:kubernetesconfiguration:Extension",
  kubernetesProvider: "pulumi:providers:kubernetes",
  codeVersion: "azure-native:machinelearningservices:CodeVersion",
  blob: "azure:storage/blob:Blob",
  azureRmProvider: "pulumi:providers:azure",
  storage: "azure-native:storage:StorageAccount",
};
const SCORING_CODE = path.resolve(__dirname, "../fixtures/scoring-code");
const READER = "6f1b7a52-93c4-4e3d-9a55-0c2a7f0e1d11";
const ENDPOINTS = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints";

interface BuildOptions {
  compute?: "managed" | "kubernetes";
  auth?: ServiceAuth;
  cluster?: AksClusterSource;
  allowCrossRegion?: boolean;
  readers?: CredentialReader[];
  webApplicationPrincipalId?: string;
  keyRotation?: KeyRotationCounters;
  extra?: Partial<ModelWebServiceArgs>;
  preview?: boolean;
  existingClusterLocation?: string;
}

interface Observed {
  keysIsSecret?: boolean;
  configuredKeysIsSecret?: boolean;
  tokenAccess?: TokenAccess;
  scoringUri?: string;
  service?: { keys?: unknown; tokenAccess?: unknown; configuredKeys?: unknown; aadTokenAudience?: string };
}

async function build(options: BuildOptions = {}) {
  const observed: Observed = {};
  const pending: Promise<unknown>[] = [];
  const run = await runComponents(
    async () => {
      const workspace = new MlWorkspace("platform", { environment: "dev", location: "westeurope", network: { kind: "public" } });
      const compute: ModelWebServiceArgs["compute"] =
        options.compute === "kubernetes"
          ? {
              kind: "kubernetes",
              cluster: new AksInferenceCluster("inference", {
                workspace,
                cluster: options.cluster ?? { kind: "new" },
                transport: { kind: "tls", hostname: "scoring.example.com", certificate: { kind: "pem", certificatePem: "cert", privateKeyPem: "key" } },
                allowCrossRegion: options.allowCrossRegion ?? false,
              }),
              ...(options.auth ? { auth: options.auth as "key" | "amlToken" } : {}),
            }
          : { kind: "managed", ...(options.auth ? { auth: options.auth } : {}) };
      const service = new ModelWebService("scoring", {
        workspace,
        endpointName: "scoring-dev",
        compute,
        model: "credit-risk:3",
        environment: "sklearn-env:2",
        instanceType: options.compute === "kubernetes" ? "gpuinstance" : "Standard_DS4_v2",
        instanceCount: 2,
        credentialReaders: options.readers ?? [],
        ...(options.webApplicationPrincipalId ? { webApplicationPrincipalId: options.webApplicationPrincipalId } : {}),
        ...(options.keyRotation ? { keyRotation: options.keyRotation } : {}),
        ...options.extra,
      });
      observed.service = service;
      if (service.keys) pending.push(pulumi.isSecret(service.keys).then((secret) => (observed.keysIsSecret = secret)));
      if (service.configuredKeys) pending.push(pulumi.isSecret(service.configuredKeys).then((secret) => (observed.configuredKeysIsSecret = secret)));
      if (service.tokenAccess) pending.push(new Promise((resolve) => service.tokenAccess!.apply((value: TokenAccess) => resolve((observed.tokenAccess = value)))));
      pending.push(new Promise((resolve) => service.scoringUri.apply((value: string) => resolve((observed.scoringUri = value)))));
    },
    {
      preview: options.preview ?? false,
      fakes: {
        existingClusters: { [EXISTING_ID]: { location: options.existingClusterLocation ?? "westeurope" } },
        directoryObjects: { [READER]: "Group" },
      },
    },
  );
  if (!options.preview && run.errors.length === 0) await Promise.all(pending);
  return { ...run, observed };
}

/** The build with `options`, run once for the tests that only read it. */
const sharedBuild = sharedRuns((options: Pick<BuildOptions, "compute">) => build(options));

function serviceResources(resources: Awaited<ReturnType<typeof build>>["resources"]) {
  return resources.filter((r) => r.type === T.service || r.parent?.endsWith("ModelWebService::scoring"));
}

describe("ModelWebService: compute × auth", () => {
  it.each([
    ["managed", undefined, "Key"],
    ["managed", "key", "Key"],
    ["managed", "amlToken", "AMLToken"],
    ["managed", "aadToken", "AADToken"],
    ["kubernetes", undefined, "AMLToken"],
    ["kubernetes", "amlToken", "AMLToken"],
    ["kubernetes", "key", "Key"],
  ] as const)("%s with auth %s runs with exactly one auth mode, %s", async (compute, auth, authMode) => {
    const { resources, errors } = await build({ compute, ...(auth ? { auth } : {}) });
    expect(errors).toEqual([]);
    for (const endpoint of ofType(resources, T.endpoint)) {
      const properties = inputs(endpoint).properties as Record<string, unknown>;
      expect(properties.authMode).toBe(authMode);
      // Azure generates the first keys; `keys` is taken only at creation, so none are sent
      expect(properties.keys).toBeUndefined();
      expect(properties.compute !== undefined).toBe(compute === "kubernetes");
      // Azure/azure-sdk-for-python sdk/ml/azure-ai-ml/azure/ai/ml/entities/_endpoint/online_endpoint.py:
      // only ManagedOnlineEndpoint has public_network_access
      expect(properties.publicNetworkAccess).toBe(compute === "managed" ? "Enabled" : undefined);
    }
  });

  it("refuses aadToken on Kubernetes at run time too, before registering the service", async () => {
    const { resources, errors } = await build({ compute: "kubernetes", auth: "aadToken" });
    expect(serviceResources(resources)).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([
      `ModelWebService "scoring": compute.auth: "aadToken" is not supported with compute kind "kubernetes" (Kubernetes online endpoints support key or amlToken)`,
    ]);
  });
});

describe("ModelWebService: credential readers", () => {
  it("refuses a reader given twice, whatever the case of its object id, before registering the service", async () => {
    const { resources, errors } = await build({ readers: [READER, { objectId: READER.toUpperCase(), type: "Group" }] });
    expect(serviceResources(resources)).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([
      `ModelWebService "scoring": credentialReaders: "${READER.toUpperCase()}" is given twice (object ids compare ignoring case, and Azure refuses a second assignment of the same role to the same principal at one scope; remove the duplicate)`,
    ]);
  });
});

describe("ModelWebService: endpoint, deployment and traffic", () => {
  it("deploys the configured model, environment, instance type and count", async () => {
    const { resources } = await sharedBuild({});
    const workspaceId = single(resources, T.workspace).id;
    const deployment = single(resources, T.deployment);
    expect(inputs(deployment)).toMatchObject({
      endpointName: "scoring-dev",
      deploymentName: "blue",
      sku: { name: "Default", capacity: 2 },
      properties: {
        endpointComputeType: "Managed",
        model: `${workspaceId}/models/credit-risk/versions/3`,
        environmentId: `${workspaceId}/environments/sklearn-env/versions/2`,
        instanceType: "Standard_DS4_v2",
      },
    });
  });

  it("deploys Kubernetes deployments as Kubernetes with the compute on the endpoint", async () => {
    const { resources } = await sharedBuild({ compute: "kubernetes" });
    const compute = single(resources, T.compute);
    expect(inputs(single(resources, T.deployment)).properties).toMatchObject({ endpointComputeType: "Kubernetes", instanceType: "gpuinstance" });
    expect((inputs(single(resources, T.endpoint)).properties as Record<string, unknown>).compute).toBe(compute.id);
  });

  it("names the deployment in traffic only after the deployment exists, with an ARM template that writes the same endpoint", async () => {
    const { resources } = await sharedBuild({ compute: "kubernetes" });
    const endpoint = single(resources, T.endpoint);
    const deployment = single(resources, T.deployment);
    const traffic = single(resources, T.armDeployment);
    const endpointProperties = inputs(endpoint).properties as Record<string, unknown>;
    expect(endpointProperties.traffic).toBeUndefined();
    expect(deployment.dependencies).toContain(endpoint.urn);
    expect(traffic.dependencies).toContain(deployment.urn);
    const { template, parameters, mode } = inputs(traffic).properties as {
      mode: string;
      template: { resources: { type: string; name: string; properties: Record<string, unknown> }[] };
      parameters: Record<string, { value: unknown }>;
    };
    expect(mode).toBe("Incremental");
    expect(template.resources).toHaveLength(1);
    expect(template.resources[0]).toMatchObject({
      type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
      name: "[format('{0}/{1}', parameters('workspaceName'), parameters('endpointName'))]",
      properties: { traffic: { blue: 100 } },
    });
    // the template writes back exactly the endpoint's own settings, apart from keys, which Azure takes only at creation
    const value = (key: string) => parameters[key]?.value;
    expect([value("workspaceName"), value("endpointName"), value("location")]).toEqual([
      inputs(endpoint).workspaceName,
      inputs(endpoint).endpointName,
      inputs(endpoint).location,
    ]);
    expect([value("authMode"), value("description"), value("publicNetworkAccess"), value("compute")]).toEqual([
      endpointProperties.authMode,
      endpointProperties.description,
      endpointProperties.publicNetworkAccess,
      endpointProperties.compute,
    ]);
    // a Kubernetes endpoint: the template sends no publicNetworkAccess either, as Microsoft's SDK does
    expect(template.resources[0]?.properties).not.toHaveProperty("publicNetworkAccess");
    expect(parameters).not.toHaveProperty("publicNetworkAccess");
  });

  it("lets the endpoint's deletion take its deployment along, since a deployment with traffic cannot be deleted alone", async () => {
    const { resources } = await sharedBuild({});
    expect(single(resources, T.deployment).deletedWith).toBe(single(resources, T.endpoint).urn);
  });

  it("outputs the scoring URI", async () => {
    const { observed } = await sharedBuild({});
    expect(observed.scoringUri).toBe("https://scoring-dev.westeurope.inference.ml.azure.com/score");
  });
});

describe("ModelWebService: credentials", () => {
  it("exposes both keys of a key endpoint only as secrets, read from Azure", async () => {
    const { observed, fakes } = await sharedBuild({});
    expect(observed.keysIsSecret).toBe(true);
    expect(observed.configuredKeysIsSecret).toBe(true);
    expect(fakes.invocations.map((call) => call.token)).toContain("azure-native:machinelearningservices:listOnlineEndpointKeys");
  });

  it("sends no initial keys, so the endpoint's settings are known in preview and Azure generates the keys", async () => {
    for (const compute of ["managed", "kubernetes"] as const) {
      const { resources } = await build({ compute, auth: "key", preview: true });
      const properties = single(resources, T.endpoint).inputs.properties;
      expect(isSecretEnvelope(properties)).toBe(false);
      expect(properties).toMatchObject({ authMode: "Key" });
      expect(properties).not.toHaveProperty("keys");
    }
  });

  it("keeps the configured slot secrets as the values a rotation regenerates with", async () => {
    const { resources, observed } = await sharedBuild({});
    expect(observed.configuredKeysIsSecret).toBe(true);
    expect(outputs(single(resources, T.password, "scoring-primary-key")).result).toBeTruthy();
    expect(outputs(single(resources, T.password, "scoring-secondary-key")).result).toBeTruthy();
  });

  it("exposes no token for a token endpoint, only what a client needs to fetch one", async () => {
    const { observed, fakes, resources } = await sharedBuild({ compute: "kubernetes" });
    expect(observed.service?.keys).toBeUndefined();
    expect(ofType(resources, T.password)).toEqual([]);
    expect(fakes.invocations.map((call) => call.token)).not.toContain("azure-native:machinelearningservices:getOnlineEndpointToken");
    const endpointId = single(resources, T.endpoint).id;
    expect(observed.tokenAccess).toEqual({
      endpointName: "scoring-dev",
      workspaceName: "mlw-dev-weu",
      resourceGroupName: "rg-aml-dev-weu",
      subscriptionId: FAKE_SUBSCRIPTION_ID,
      tokenPath: `${endpointId}/token`,
    });
  });

  it("gives an AADToken endpoint its audience and no keys or token access", async () => {
    const { observed } = await build({ auth: "aadToken" });
    expect(observed.service?.aadTokenAudience).toBe("https://ml.azure.com");
    expect(observed.service?.keys).toBeUndefined();
    expect(observed.service?.tokenAccess).toBeUndefined();
  });

  it("rotates one slot at a time: raising the secondary counter changes only the secondary key", async () => {
    const before = await build({ keyRotation: { primary: 0, secondary: 0 } });
    const after = await build({ keyRotation: { primary: 0, secondary: 1 } });
    const key = (run: typeof before, slot: string) => outputs(single(run.resources, T.password, `scoring-${slot}-key`)).result;
    expect(key(after, "primary")).toBe(key(before, "primary"));
    expect(key(after, "secondary")).not.toBe(key(before, "secondary"));
    expect(inputs(single(after.resources, T.password, "scoring-secondary-key")).keepers).toEqual({ rotation: "1" });
  });
});

describe("ModelWebService: least-privilege access", () => {
  const PERMISSION_LIST = "MicrosoftDocs/azure-docs articles/role-based-access-control/permissions/ai-machine-learning.md (Microsoft.MachineLearningServices: actions only, no data-action table)";
  const ONLINE_AUTH = "https://learn.microsoft.com/azure/machine-learning/concept-endpoints-online-auth (Authorization for data plane operations)";
  // auth | actions the consumer role holds | data actions | source
  const CONSUMER_ROLES = [
    ["key", [`${ENDPOINTS}/read`, `${ENDPOINTS}/listKeys/action`], [], `${PERMISSION_LIST}; ${ONLINE_AUTH}`],
    ["amlToken", [`${ENDPOINTS}/read`, `${ENDPOINTS}/token/action`], [], `${PERMISSION_LIST}; ${ONLINE_AUTH}`],
    ["aadToken", [`${ENDPOINTS}/read`, `${ENDPOINTS}/score/action`], [], `${PERMISSION_LIST}; ${ONLINE_AUTH}`],
  ] as const;

  it.each(CONSUMER_ROLES)("a %s endpoint's custom role holds exactly what a consumer needs, as control-plane actions", async (auth, actions, dataActions, _source) => {
    const { resources } = await build({ auth, readers: [READER] });
    const role = inputs(single(resources, T.roleDefinition));
    expect(role.permissions).toEqual([{ actions, dataActions, notActions: [], notDataActions: [] }]);
    expect(role.roleType).toBe("CustomRole");
  });

  it("assigns the custom role at endpoint scope to each reader (with its Entra type) and the web app, and nothing broader", async () => {
    const { resources } = await build({ readers: [READER], webApplicationPrincipalId: "0b5e3a51-1d0a-4a3e-8f1f-2d6c8b7a9e10" });
    const endpoint = single(resources, T.endpoint);
    const role = single(resources, T.roleDefinition);
    const resourceGroupId = single(resources, T.resourceGroup).id;
    expect(inputs(role)).toMatchObject({ scope: resourceGroupId, assignableScopes: [resourceGroupId] });
    const assignments = ofType(resources, T.roleAssignment).map(inputs);
    expect(assignments.map((a) => [a.principalId, a.principalType]).sort()).toEqual([
      ["0b5e3a51-1d0a-4a3e-8f1f-2d6c8b7a9e10", "ServicePrincipal"],
      [READER, "Group"],
    ]);
    for (const assignment of assignments) {
      expect(assignment.scope).toBe(endpoint.id);
      expect(assignment.roleDefinitionId).toBe(role.id);
    }
  });

  it("takes a reader's principal type from config without asking Microsoft Graph, and asks only for plain ids", async () => {
    const typed = { objectId: "0b5e3a51-1d0a-4a3e-8f1f-2d6c8b7a9e10", type: "User" as const };
    const { resources, fakes } = await build({ extra: { credentialReaders: [typed, READER] } });
    const assignments = ofType(resources, T.roleAssignment).map(inputs);
    expect(assignments.map((a) => [a.principalId, a.principalType]).sort()).toEqual([
      [typed.objectId, "User"],
      [READER, "Group"],
    ]);
    const lookups = fakes.invocations.filter((call) => call.token === "azuread:index/getDirectoryObject:getDirectoryObject");
    expect(lookups.map((call) => (call.inputs as { objectId: string }).objectId)).toEqual([READER]);
  });

  it("keeps role and assignment ids stable across runs", async () => {
    const ids = async () => {
      const { resources } = await build({ readers: [READER] });
      return [inputs(single(resources, T.roleDefinition)).roleDefinitionId, inputs(single(resources, T.roleAssignment)).roleAssignmentName];
    };
    expect(await ids()).toEqual(await ids());
  });

  it("creates no role when nobody needs access", async () => {
    const { resources } = await sharedBuild({});
    expect(ofType(resources, T.roleDefinition)).toEqual([]);
    expect(ofType(resources, T.roleAssignment)).toEqual([]);
  });
});

describe("ModelWebService: same-region check for token auth on Kubernetes", () => {
  const crossRegionError =
    `ModelWebService "scoring": token auth (AMLToken) needs the workspace and the AKS cluster in the same region, but the workspace is in "westeurope" and the cluster in "northeurope". ` +
    `Every token request goes to the workspace's region: put the cluster in "westeurope", or set allowCrossRegion on the AksInferenceCluster (aksCluster.allowCrossRegion in stack config) to accept that risk.`;
  const crossRegionWarning =
    `ModelWebService "scoring": token auth with the workspace in "westeurope" and the AKS cluster in "northeurope" (allowCrossRegion is set). ` +
    `Every token request goes to the workspace's region, so the service stops issuing tokens when "westeurope" is unavailable, and token latency grows with the distance between the regions.`;

  it("refuses a known mismatch before registering anything of the service", async () => {
    const { resources, errors } = await build({ compute: "kubernetes", cluster: { kind: "new", location: "northeurope" } });
    expect(serviceResources(resources)).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([crossRegionError]);
  });

  it("checks a region known only as an output when it resolves, and fails the deployment with the same message", async () => {
    const { resources, errors } = await build({
      compute: "kubernetes",
      cluster: { kind: "existing", clusterId: EXISTING_ID },
      existingClusterLocation: "northeurope",
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain(crossRegionError);
    expect(ofType(resources, T.endpoint)).toEqual([]);
    expect(ofType(resources, T.deployment)).toEqual([]);
  });

  it("passes an output region that matches", async () => {
    const { errors, resources } = await build({ compute: "kubernetes", cluster: { kind: "existing", clusterId: EXISTING_ID } });
    expect(errors).toEqual([]);
    expect(ofType(resources, T.endpoint)).toHaveLength(1);
  });

  it("turns the known mismatch into a warning with allowCrossRegion", async () => {
    const { errors, messages, resources } = await build({ compute: "kubernetes", cluster: { kind: "new", location: "northeurope" }, allowCrossRegion: true });
    expect(errors).toEqual([]);
    expect(messages).toEqual([{ severity: "warning", message: crossRegionWarning }]);
    expect(ofType(resources, T.deployment)).toHaveLength(1);
  });

  it("turns the output mismatch into the same warning with allowCrossRegion", async () => {
    const { errors, messages } = await build({
      compute: "kubernetes",
      cluster: { kind: "existing", clusterId: EXISTING_ID },
      existingClusterLocation: "northeurope",
      allowCrossRegion: true,
    });
    expect(errors).toEqual([]);
    expect(messages).toEqual([{ severity: "warning", message: crossRegionWarning }]);
  });

  it("does not apply to key auth, which fetches no token", async () => {
    const { errors, messages } = await build({ compute: "kubernetes", auth: "key", cluster: { kind: "new", location: "northeurope" } });
    expect(errors).toEqual([]);
    expect(messages).toEqual([]);
  });
});

describe("ModelWebService: instance types on Kubernetes", () => {
  const onOwnInstanceType = { compute: "kubernetes" as const, extra: { instanceType: undefined } };

  it("gives a Kubernetes service an InstanceType of its own, sized for MLflow by default, on its cluster", async () => {
    const { resources, errors } = await build(onOwnInstanceType);
    expect(errors).toEqual([]);
    const instanceType = single(resources, T.instanceType);
    // https://learn.microsoft.com/azure/machine-learning/how-to-manage-kubernetes-instance-types: an MLflow
    // deployment needs at least 2 CPU and 4 GB requested
    expect(inputs(instanceType)).toMatchObject({
      apiVersion: "amlarc.azureml.com/v1alpha1",
      kind: "InstanceType",
      metadata: { name: "scoring-dev" },
      spec: { resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } } },
    });
    const provider = single(resources, T.kubernetesProvider);
    expect(instanceType.provider).toBe(`${provider.urn}::${provider.id}`);
    expect(instanceType.dependencies).toContain(single(resources, T.extension).urn);
    const deployment = single(resources, T.deployment);
    expect(inputs(deployment).properties).toMatchObject({ endpointComputeType: "Kubernetes", instanceType: "scoring-dev" });
    expect(deployment.dependencies).toContain(instanceType.urn);
  });

  it("sizes the instance type from kubernetesResources, GPUs as limits only", async () => {
    const kubernetesResources = { requests: { cpu: "4", memory: "16Gi" }, limits: { cpu: "8", memory: "32Gi", nvidiaGpu: 1 } };
    const { resources } = await build({ compute: "kubernetes", extra: { instanceType: undefined, kubernetesResources } });
    expect(inputs(single(resources, T.instanceType)).spec).toEqual({
      resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { cpu: "8", memory: "32Gi", "nvidia.com/gpu": 1 } },
    });
  });

  it("uses an instance type named in config and creates none", async () => {
    const { resources } = await sharedBuild({ compute: "kubernetes" });
    expect(ofType(resources, T.instanceType)).toEqual([]);
    expect(inputs(single(resources, T.deployment)).properties).toMatchObject({ instanceType: "gpuinstance" });
  });

  it.each([
    [{ instanceType: undefined, kubernetesResources: { requests: { cpu: "1", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } } }, "kubernetesResources.requests 1 CPU / 4Gi is below Microsoft's minimum for an MLflow model"],
    [{ instanceType: undefined, kubernetesResources: { requests: { cpu: "2", memory: "3500Mi" }, limits: { cpu: "2", memory: "4Gi" } } }, "kubernetesResources.requests 2 CPU / 3500Mi is below Microsoft's minimum for an MLflow model"],
    [{ instanceType: "defaultinstancetype" }, `instanceType "defaultinstancetype" requests 100m CPU and 2Gi, below Microsoft's minimum for an MLflow model`],
    [{ instanceType: undefined, kubernetesResources: { requests: { cpu: "2", memory: "8Gi" }, limits: { cpu: "2", memory: "4Gi" } } }, `kubernetesResources.limits.memory "4Gi" is below requests.memory "8Gi"`],
    [{ kubernetesResources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } } }, `instanceType "gpuinstance" and kubernetesResources are both set`],
  ] as const)("refuses a Kubernetes MLflow service that could not schedule or is ambiguous (%#)", async (extra, message) => {
    const { resources, errors } = await build({ compute: "kubernetes", extra: extra as Partial<ModelWebServiceArgs> });
    expect(serviceResources(resources)).toEqual([]);
    expect(errors.map((e) => e.message).join("\n")).toContain(message);
  });
});

describe("ModelWebService: scoring code", () => {
  const withCode = (directory = SCORING_CODE) => ({ modelFormat: "custom" as const, code: { directory, scoringScript: "score.py" } });

  it("uploads every file of the code directory with Entra ID, registers a code version and deploys it with the scoring script", async () => {
    const { resources, errors } = await build({ extra: withCode() });
    expect(errors).toEqual([]);
    const provider = single(resources, T.azureRmProvider);
    // azure-native's Blob signs with shared keys, which the workspace storage refuses (pulumi/pulumi-azure-native#2015)
    expect(inputs(provider)).toMatchObject({ storageUseAzuread: "true" });
    const workspace = single(resources, T.workspace);
    const storageId = single(resources, T.storage).id;
    const container = `azureml-blobstore-${outputs(workspace).workspaceId as string}`;
    const blobs = ofType(resources, T.blob).map((blob) => ({ blob, args: inputs(blob) }));
    const codeVersion = single(resources, T.codeVersion);
    const { version, properties } = inputs(codeVersion) as { version: string; properties: { codeUri: string } };
    const folder = properties.codeUri.split(`/${container}/`)[1];
    expect(properties.codeUri).toBe(`https://stamldevweu.blob.core.windows.net/${container}/${folder}`);
    expect(folder).toMatch(new RegExp(`^LocalUpload/${version}[0-9a-f]{48}/scoring-code$`));
    expect(blobs.map(({ args }) => args.name).sort()).toEqual([`${folder}/helpers/features.py`, `${folder}/score.py`]);
    for (const { blob, args } of blobs) {
      expect(blob.provider).toBe(`${provider.urn}::${provider.id}`);
      expect(args).toMatchObject({ type: "Block", storageContainerId: `${storageId}/blobServices/default/containers/${container}` });
      expect(codeVersion.dependencies).toContain(blob.urn);
    }
    expect(inputs(codeVersion)).toMatchObject({ name: "scoring-dev-code", workspaceName: "mlw-dev-weu" });
    expect(inputs(single(resources, T.deployment)).properties).toMatchObject({
      codeConfiguration: { codeId: codeVersion.id, scoringScript: "score.py" },
      environmentId: `${workspace.id}/environments/sklearn-env/versions/2`,
    });
  });

  it("versions the code by its content: the same files give the same version, a changed file a new one", async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "aml-code-"));
    try {
      fs.cpSync(SCORING_CODE, copy, { recursive: true });
      const versionOf = async (directory: string) => inputs(single((await build({ extra: withCode(directory) })).resources, T.codeVersion)).version;
      const original = await versionOf(SCORING_CODE);
      expect(await versionOf(copy)).toBe(original);
      fs.appendFileSync(path.join(copy, "score.py"), "\n# tuned\n");
      expect(await versionOf(copy)).not.toBe(original);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it.each([
    [{ modelFormat: "custom" as const }, `modelFormat is "custom" but no code is given`],
    [{ ...withCode(), environment: undefined }, "code is given without environment"],
    [{ modelFormat: "custom" as const, code: { directory: SCORING_CODE, scoringScript: "missing.py" } }, `code.scoringScript "missing.py" is not a file in code.directory`],
    [{ modelFormat: "custom" as const, code: { directory: path.join(SCORING_CODE, "nowhere"), scoringScript: "score.py" } }, "is not a directory"],
  ])("refuses a service whose model cannot be served (%#)", async (extra, message) => {
    const { resources, errors } = await build({ extra: extra as Partial<ModelWebServiceArgs> });
    expect(serviceResources(resources)).toEqual([]);
    expect(errors.map((e) => e.message).join("\n")).toContain(message);
  });
});
