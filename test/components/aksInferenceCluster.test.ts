import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { AksInferenceCluster } from "../../components/aksInferenceCluster";
import { MlWorkspace } from "../../components/mlWorkspace";
import type { AksClusterSource, InferenceTransport } from "../../components/aksInferenceCluster";
import { isSecretEnvelope } from "../../plan/wireValues";
import { childrenOf, inputs, ofType, outputs, programResources, single, UNKNOWN_VALUE } from "../harness/records";
import { EXISTING_CLUSTER_ID as EXISTING_ID, runComponents } from "../harness/componentRun";
import { FAKE_SUBSCRIPTION_ID } from "../../plan/azureFakes";
import type { InferenceRouterServiceType } from "../../components/aksInferenceCluster";

const T = {
  component: "aml-webservices:index:AksInferenceCluster",
  cluster: "azure-native:containerservice:ManagedCluster",
  extension: "azure-native:kubernetesconfiguration:Extension",
  provider: "pulumi:providers:kubernetes",
  namespace: "kubernetes:core/v1:Namespace",
  secret: "kubernetes:core/v1:Secret",
  compute: "azure-native:machinelearningservices:Compute",
  workspace: "azure-native:machinelearningservices:Workspace",
  storage: "azure-native:storage:StorageAccount",
  roleAssignment: "azure-native:authorization:RoleAssignment",
};
const CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
const PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEfake\n-----END PRIVATE KEY-----\n";
const TLS: InferenceTransport = { kind: "tls", hostname: "scoring.example.com", certificate: { kind: "pem", certificatePem: CERTIFICATE, privateKeyPem: PRIVATE_KEY } };

async function build(
  cluster: AksClusterSource = { kind: "new" },
  transport: InferenceTransport = TLS,
  preview = false,
  extra: { hbi?: boolean; inferenceRouterServiceType?: InferenceRouterServiceType } = {},
) {
  let kubeconfigIsSecret: Promise<boolean> | undefined;
  let kubeconfig: Promise<string> | undefined;
  const run = await runComponents(
    async () => {
      const workspace = new MlWorkspace("platform", { environment: "staging", location: "westeurope", network: { kind: "public" }, hbi: extra.hbi ?? false });
      const aks = new AksInferenceCluster("inference", {
        workspace,
        cluster,
        transport,
        ...(extra.inferenceRouterServiceType ? { inferenceRouterServiceType: extra.inferenceRouterServiceType } : {}),
      });
      kubeconfigIsSecret = pulumi.isSecret(aks.kubeconfig);
      kubeconfig = new Promise((resolve) => aks.kubeconfig.apply(resolve));
    },
    { preview, fakes: { existingClusters: { [EXISTING_ID]: { location: "westeurope" } } } },
  );
  return { ...run, kubeconfigIsSecret: await kubeconfigIsSecret!, kubeconfig: preview ? undefined : await kubeconfig! };
}

describe("AksInferenceCluster", () => {
  it("creates a cluster with a system identity that keeps local accounts", async () => {
    const { resources, errors } = await build({ kind: "new", nodeCount: 3, vmSize: "Standard_D8s_v5" });
    expect(errors).toEqual([]);
    expect(inputs(single(resources, T.cluster))).toMatchObject({
      resourceName: "aks-aml-staging-weu",
      location: "westeurope",
      identity: { type: "SystemAssigned" },
      disableLocalAccounts: false,
      agentPoolProfiles: [{ name: "system", mode: "System", count: 3, vmSize: "Standard_D8s_v5", osType: "Linux" }],
    });
    const component = single(resources, T.component);
    expect(childrenOf(resources, component).map((r) => r.type).sort()).toEqual(
      [T.cluster, T.extension, T.provider, T.namespace, T.namespace, T.secret, T.compute].sort(),
    );
  });

  it.each([
    [1, "False"],
    [2, "False"],
    [3, "True"],
    [5, "True"],
  ])("sets inferenceRouterHA for %i nodes to %s", async (nodeCount, ha) => {
    const settings = inputs(single((await build({ kind: "new", nodeCount })).resources, T.extension)).configurationSettings;
    expect(settings).toMatchObject({ enableInference: "True", inferenceRouterHA: ha });
  });

  it("requires TLS: the extension gets the host name and certificate secret, with no warning", async () => {
    const { resources, messages } = await build();
    const extension = inputs(single(resources, T.extension));
    expect(extension).toMatchObject({ extensionType: "Microsoft.AzureML.Kubernetes", clusterRp: "Microsoft.ContainerService", clusterResourceName: "managedClusters" });
    expect(extension.configurationSettings).toMatchObject({ allowInsecureConnections: "False", sslCname: "scoring.example.com", "scoringFe.sslSecret": "azureml-inference-tls" });
    expect(messages.filter((m) => m.severity === "warning")).toEqual([]);
  });

  it("stores the PEM certificate as a secret in the extension's namespace before the extension installs", async () => {
    const { resources } = await build();
    const provider = single(resources, T.provider);
    const secret = single(resources, T.secret);
    expect(secret.provider).toBe(`${provider.urn}::${provider.id}`);
    expect(inputs(secret)).toMatchObject({
      metadata: { name: "azureml-inference-tls", namespace: "azureml" },
      stringData: { "cert.pem": CERTIFICATE, "key.pem": PRIVATE_KEY },
    });
    expect(isSecretEnvelope(secret.inputs.stringData)).toBe(true);
    expect(single(resources, T.extension).dependencies).toContain(secret.urn);
    expect(inputs(single(resources, T.namespace, "inference-azureml-namespace")).metadata).toEqual({ name: "azureml" });
  });

  it("uses a secret that already exists in an attached cluster, and creates none", async () => {
    const { resources } = await build(
      { kind: "existing", clusterId: EXISTING_ID, location: "westeurope" },
      { kind: "tls", hostname: "scoring.example.com", certificate: { kind: "existingSecret", secretName: "corp-tls" } },
    );
    expect(ofType(resources, T.secret)).toEqual([]);
    expect(inputs(single(resources, T.extension)).configurationSettings).toMatchObject({ sslSecret: "corp-tls", allowInsecureConnections: "False" });
  });

  it("refuses an existing secret on a cluster it creates, which cannot hold one yet", async () => {
    const { resources, errors } = await build({ kind: "new" }, { kind: "tls", hostname: "scoring.example.com", certificate: { kind: "existingSecret", secretName: "corp-tls" } });
    expect(ofType(resources, T.component)).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([
      `AksInferenceCluster "inference": transport.certificate names an existing secret, but the cluster is new; give the certificate as { kind: "pem", certificatePem, privateKeyPem }`,
    ]);
  });

  it("allows plain HTTP only when asked, with a warning that keys and tokens cross in clear", async () => {
    const { resources, messages } = await build({ kind: "new", nodeCount: 1 }, { kind: "insecure" });
    const settings = inputs(single(resources, T.extension)).configurationSettings as Record<string, string>;
    expect(settings.allowInsecureConnections).toBe("True");
    expect(Object.keys(settings).filter((key) => /ssl/i.test(key))).toEqual([]);
    expect(messages).toEqual([
      {
        severity: "warning",
        message:
          `AksInferenceCluster "inference": allowInsecureConnections is set, so the inference router serves plain HTTP and keys and tokens then cross the network in clear. ` +
          `Use it only on test clusters; configure TLS (aksCluster.tls) for anything else.`,
      },
    ]);
  });

  it("creates the inference namespace through a provider built from the cluster's user credentials", async () => {
    const { resources, kubeconfigIsSecret, kubeconfig } = await build();
    const provider = single(resources, T.provider);
    const namespace = single(resources, T.namespace, "inference-inference-namespace");
    expect(namespace.provider).toBe(`${provider.urn}::${provider.id}`);
    expect(inputs(namespace)).toMatchObject({ metadata: { name: "azureml-inference" } });
    expect(kubeconfigIsSecret).toBe(true);
    expect(kubeconfig).toContain("clusters: [{name: aks-aml-staging-weu");
    expect(inputs(provider).kubeconfig).toBe(kubeconfig);
    expect(isSecretEnvelope(provider.inputs.kubeconfig)).toBe(true);
  });

  it("attaches the cluster as a Kubernetes compute once the extension and namespace exist", async () => {
    const { resources } = await build();
    const compute = single(resources, T.compute);
    const cluster = single(resources, T.cluster);
    expect(inputs(compute)).toMatchObject({
      computeName: "k8s-staging",
      workspaceName: "mlw-staging-weu",
      properties: {
        computeType: "Kubernetes",
        resourceId: cluster.id,
        computeLocation: "westeurope",
        disableLocalAuth: true,
        properties: { namespace: "azureml-inference", defaultInstanceType: "defaultinstancetype" },
      },
    });
    expect(compute.dependencies).toEqual(expect.arrayContaining([single(resources, T.extension).urn, single(resources, T.namespace, "inference-inference-namespace").urn, cluster.urn]));
  });

  it("attaches an existing cluster by id without creating one", async () => {
    const { resources, errors } = await build({ kind: "existing", clusterId: EXISTING_ID, location: "westeurope" });
    expect(errors).toEqual([]);
    expect(ofType(resources, T.cluster)).toEqual([]);
    expect(inputs(single(resources, T.extension))).toMatchObject({ clusterName: "shared-aks", resourceGroupName: "rg-shared-k8s" });
    expect(inputs(single(resources, T.compute))).toMatchObject({ properties: { resourceId: EXISTING_ID, computeLocation: "westeurope" } });
    // Node count is unknown for an attached cluster, so the extension keeps its own HA default.
    expect(inputs(single(resources, T.extension)).configurationSettings).not.toHaveProperty("inferenceRouterHA");
  });

  it("reads an attached cluster's region from Azure when it is not configured", async () => {
    const { resources } = await build({ kind: "existing", clusterId: EXISTING_ID });
    expect(inputs(single(resources, T.compute))).toMatchObject({ location: "westeurope", properties: { computeLocation: "westeurope" } });
  });

  it("keeps the kubeconfig unknown in preview, so the namespace waits for the cluster", async () => {
    const { resources } = await build({ kind: "new" }, TLS, true);
    expect(single(resources, T.provider).inputs.kubeconfig).toBe(UNKNOWN_VALUE);
  });

  it("refuses a malformed cluster id before registering anything of its own", async () => {
    const { resources, errors } = await build({ kind: "existing", clusterId: "/subscriptions/x/clusters/y" });
    expect(programResources(resources).filter((r) => r.type === T.component || r.parent?.includes("AksInferenceCluster"))).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([
      `AksInferenceCluster "inference": clusterId "/subscriptions/x/clusters/y" is not the ARM id of an AKS cluster (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerService/managedClusters/<name>)`,
    ]);
  });
});

describe("AksInferenceCluster: AzureML extension settings over ARM", () => {
  const CLI = "Azure/azure-cli-extensions src/k8s-extension/azext_k8s_extension/partner_extensions/AzureMLKubernetes.py";
  const SAMPLE = "Azure/AML-Kubernetes files/terraform-template.tf";
  const CLUSTER_ARM_ID = `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-aml-staging-weu/providers/Microsoft.ContainerService/managedClusters/aks-aml-staging-weu`;

  // setting | value for a new 3-node cluster in westeurope with TLS from a PEM pair | source
  const TLS_CLUSTER: readonly (readonly [string, string, string])[] = [
    ["enableInference", "True", `${CLI} (__validate_config); ${SAMPLE}`],
    ["enableTraining", "False", `${CLI} (__validate_config sets it when not given)`],
    ["inferenceRouterServiceType", "LoadBalancer", `${CLI} (__validate_scoring_fe_settings requires it); ${SAMPLE}`],
    ["allowInsecureConnections", "False", `${CLI} (__validate_scoring_fe_settings); ${SAMPLE}`],
    ["inferenceRouterHA", "True", `${CLI} (Create: only a cluster under 3 nodes gets "false")`],
    ["sslCname", "scoring.example.com", `${CLI} (__validate_scoring_fe_settings: required with TLS)`],
    ["sslSecret", "azureml-inference-tls", `${CLI} (the CLI-facing name, kept)`],
    ["scoringFe.sslSecret", "azureml-inference-tls", `${CLI} (__set_inference_ssl_from_secret)`],
    ["cluster_name", CLUSTER_ARM_ID, `${CLI} (Create: the cluster's resource id); ${SAMPLE}`],
    ["clusterId", CLUSTER_ARM_ID, `${CLI} (reference_mapping of cluster_name, _dereference); ${SAMPLE}`],
    ["prometheus.prometheusSpec.externalLabels.cluster_name", CLUSTER_ARM_ID, `${CLI} (reference_mapping of cluster_name); ${SAMPLE}`],
    ["domain", "westeurope.cloudapp.azure.com", `${CLI} (Create: '{cluster_location}.cloudapp.azure.com'); ${SAMPLE}`],
    ["location", "westeurope", `${CLI} (Create: the cluster's location, lower case); ${SAMPLE}`],
    ["jobSchedulerLocation", "westeurope", `${CLI} (Create: the cluster's location); ${SAMPLE}`],
    ["cluster_name_friendly", "aks-aml-staging-weu", `${CLI} (Create: the cluster's name); ${SAMPLE}`],
    ["servicebus.enabled", "false", `${CLI} (Create: not enabled by default); ${SAMPLE}`],
    ["relayserver.enabled", "false", `${CLI} (Create: managedClusters); ${SAMPLE}`],
    ["nginxIngress.enabled", "true", `${CLI} (Create: managedClusters); ${SAMPLE}`],
  ];

  it("sends what `az k8s-extension create` sends for a new cluster with TLS, and nothing else", async () => {
    const settings = inputs(single((await build({ kind: "new", nodeCount: 3 })).resources, T.extension)).configurationSettings;
    expect(settings).toEqual(Object.fromEntries(TLS_CLUSTER.map(([key, value]) => [key, value])));
  });

  it("knows every setting during preview, so the TLS policy never waits for the update", async () => {
    const settings = inputs(single((await build({ kind: "new", nodeCount: 3 }, TLS, true)).resources, T.extension)).configurationSettings;
    expect(settings).toEqual(Object.fromEntries(TLS_CLUSTER.map(([key, value]) => [key, value])));
  });

  // setting | value for a new 1-node test cluster, plain HTTP, router on a NodePort | source
  const SMALL_NODEPORT_CLUSTER: readonly (readonly [string, string | undefined, string])[] = [
    ["inferenceRouterHA", "False", `${CLI} (Create: isSmallScale, under 3 nodes)`],
    ["clusterPurpose", "DevTest", `${CLI} (Create: isSmallScale, under 3 nodes)`],
    ["scoringFe.serviceType.nodePort", "True", `${CLI} (__validate_scoring_fe_settings: inferenceRouterServiceType NodePort)`],
    ["inferenceRouterServiceType", "NodePort", `${CLI} (the CLI-facing name, kept)`],
    ["allowInsecureConnections", "True", `${CLI} (__set_up_inference_ssl: no certificate)`],
    ["sslCname", undefined, `${CLI} (only with TLS)`],
    ["scoringFe.sslSecret", undefined, `${CLI} (only with TLS)`],
  ];

  it.each(SMALL_NODEPORT_CLUSTER)("a 1-node NodePort test cluster sends %s = %s", async (key, value, _source) => {
    const { resources } = await build({ kind: "new", nodeCount: 1 }, { kind: "insecure" }, false, { inferenceRouterServiceType: "NodePort" });
    const settings = inputs(single(resources, T.extension)).configurationSettings as Record<string, string>;
    expect(settings[key]).toBe(value);
  });

  it("derives an attached cluster's settings from its id and region, and its TLS secret from the existing secret", async () => {
    const { resources } = await build(
      { kind: "existing", clusterId: EXISTING_ID, location: "westeurope" },
      { kind: "tls", hostname: "scoring.example.com", certificate: { kind: "existingSecret", secretName: "corp-tls" } },
    );
    expect(inputs(single(resources, T.extension)).configurationSettings).toMatchObject({
      cluster_name: EXISTING_ID,
      clusterId: EXISTING_ID,
      cluster_name_friendly: "shared-aks",
      domain: "westeurope.cloudapp.azure.com",
      jobSchedulerLocation: "westeurope",
      "scoringFe.sslSecret": "corp-tls",
    });
  });
});

describe("AksInferenceCluster: high-business-impact workspaces", () => {
  // https://learn.microsoft.com/azure/machine-learning/how-to-secure-kubernetes-inferencing-environment (HBI workspace);
  // role ids: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
  const ROLES = [
    ["Storage Blob Data Contributor", "ba92f5b4-2d11-453d-a403-e96b0029c9fe"],
    ["Storage Account Contributor", "17d1049b-9a84-46fb-8f53-869881c3d3ab"],
  ] as const;

  it("gives the compute a system-assigned identity with both storage roles on the workspace storage", async () => {
    const { resources, errors } = await build({ kind: "new" }, TLS, false, { hbi: true });
    expect(errors).toEqual([]);
    const compute = single(resources, T.compute);
    expect(inputs(compute).identity).toEqual({ type: "SystemAssigned" });
    const principalId = (outputs(compute).identity as { principalId: string }).principalId;
    const storageId = single(resources, T.storage).id;
    const assignments = ofType(resources, T.roleAssignment).map(inputs);
    expect(assignments.map((a) => [a.roleDefinitionId, a.scope, a.principalId, a.principalType]).sort()).toEqual(
      ROLES.map(([, id]) => [`/subscriptions/${FAKE_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${id}`, storageId, principalId, "ServicePrincipal"]).sort(),
    );
  });

  it("gives a compute of an ordinary workspace no identity and no storage roles", async () => {
    const { resources } = await build();
    expect(inputs(single(resources, T.compute))).not.toHaveProperty("identity");
    expect(ofType(resources, T.roleAssignment)).toEqual([]);
  });
});
