import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import type { SchemaCachingProvider } from "../../provider/schemaCachingProvider";
import type { RecordedResource } from "../../plan/recordedResource";
import { FAKE_SUBSCRIPTION_ID } from "../../plan/azureFakes";
import { runComponents } from "../harness/componentRun";
import { inputs, ofType, programResources } from "../harness/records";
import { AadApplications, AksInferenceCluster, MlWorkspace, ModelWebService } from "../../lib";
import { packageProvider, TOKENS } from "./packageProvider";

// The provider's construct, as the Pulumi CLI calls it for a Python, Go, C# or YAML program, builds
// the same resources as the TypeScript components, and refuses what the TypeScript types refuse.

let provider: SchemaCachingProvider;
beforeAll(async () => {
  provider = packageProvider();
  await provider.getSchema();
});

const CERTIFICATE = { certificatePem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", privateKeyPem: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----" };
const READER = "00000000-0000-0000-0000-0000000000aa";
/** A key service with a reader and a rotated secondary key: the same plain values in both programs. */
const CREDIT_SERVICE = {
  endpointName: "credit-score-dev",
  model: "credit-risk:3",
  credentialReaders: [{ objectId: READER, type: "Group" as const }],
  keyRotation: { secondary: 1 },
};
const EXISTING_WORKSPACE_ID = `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-ml-platform/providers/Microsoft.MachineLearningServices/workspaces/mlw-shared`;

/** The TypeScript program: typed components, objects passed to each other. */
function typedProgram() {
  const workspace = new MlWorkspace("platform", { environment: "dev", location: "westeurope", network: { kind: "public" }, tags: { team: "scoring" } });
  const aad = new AadApplications("aad", { environment: "dev" });
  const cluster = new AksInferenceCluster("inference", {
    workspace,
    cluster: { kind: "new", nodeCount: 3 },
    transport: { kind: "tls", hostname: "scoring.contoso.com", certificate: { kind: "pem", ...CERTIFICATE } },
  });
  new ModelWebService("credit", { workspace, ...CREDIT_SERVICE, compute: { kind: "managed", auth: "key" }, webApplicationPrincipalId: aad.webServicePrincipalObjectId });
  new ModelWebService("fraud", {
    workspace,
    endpointName: "fraud-check-dev",
    compute: { kind: "kubernetes", cluster, auth: "amlToken" },
    model: "fraud:1",
    instanceType: "mlflow-large",
  });
}

type State = Record<string, unknown>;

/** The same program as another language runs it: each component constructed by the provider, given the others' outputs. */
async function packageProgram() {
  const construct = async (type: string, name: string, args: Record<string, unknown>): Promise<State> =>
    (await provider.construct(name, type, args, {})).state as State;
  const workspace = await construct(TOKENS.MlWorkspace, "platform", { environment: "dev", location: "westeurope", tags: { team: "scoring" } });
  const reference = {
    environment: "dev",
    location: "westeurope",
    tags: { team: "scoring" },
    subscriptionId: workspace.subscriptionId,
    resourceGroupName: workspace.resourceGroupName,
    workspaceName: workspace.workspaceName,
  };
  const aad = await construct(TOKENS.AadApplications, "aad", { environment: "dev" });
  const cluster = await construct(TOKENS.AksInferenceCluster, "inference", {
    workspace: reference,
    cluster: { nodeCount: 3 },
    transport: { hostname: "scoring.contoso.com", ...CERTIFICATE },
  });
  await construct(TOKENS.ModelWebService, "credit", { workspace: reference, ...CREDIT_SERVICE, compute: { kind: "managed", auth: "key" }, webApplicationPrincipalId: aad.webServicePrincipalObjectId });
  await construct(TOKENS.ModelWebService, "fraud", {
    workspace: reference,
    endpointName: "fraud-check-dev",
    compute: { kind: "kubernetes", auth: "amlToken", computeId: cluster.computeId, location: "westeurope" },
    model: "fraud:1",
    instanceType: "mlflow-large",
  });
}

/** Every registration by URN, with its parent and inputs: the resource tree a deployment would hold. */
function resourceTree(resources: readonly RecordedResource[]) {
  return programResources(resources)
    .map((resource) => ({ urn: resource.urn, parent: resource.parent, custom: resource.custom, inputs: resource.custom ? inputs(resource) : {} }))
    .sort((a, b) => a.urn.localeCompare(b.urn));
}

describe("constructing the components through the provider", () => {
  for (const preview of [false, true]) {
    it(`registers the same resource tree, URNs and inputs, as the TypeScript components (${preview ? "preview" : "update"})`, async () => {
      const typed = await runComponents(typedProgram, { preview });
      const viaPackage = await runComponents(packageProgram, { preview });
      expect(typed.errors).toEqual([]);
      expect(viaPackage.errors).toEqual([]);
      const expected = resourceTree(typed.resources);
      expect(expected.filter((resource) => resource.custom).length).toBeGreaterThan(30);
      expect(resourceTree(viaPackage.resources)).toEqual(expected);
    });
  }

  it("registers each component under its package type token, its resources directly as its children", async () => {
    const { resources, errors } = await runComponents(packageProgram);
    expect(errors).toEqual([]);
    for (const token of Object.values(TOKENS)) expect(ofType(resources, token).length).toBeGreaterThan(0);
    const service = ofType(resources, TOKENS.ModelWebService).find((resource) => resource.name === "fraud");
    const endpoint = ofType(resources, "azure-native:machinelearningservices:OnlineEndpoint").find((resource) => resource.name === "fraud-endpoint");
    expect(endpoint?.parent).toBe(service?.urn);
  });

  it("fails the deployment when the workspace's outputs do not match the names its environment and region give", async () => {
    const { errors } = await runComponents(async () => {
      const workspace = (await provider.construct("platform", TOKENS.MlWorkspace, { environment: "dev", location: "westeurope" }, {})).state as State;
      // another environment here: the names made before anything exists would be another workspace's
      const reference = { environment: "qa", location: "westeurope", subscriptionId: workspace.subscriptionId, resourceGroupName: workspace.resourceGroupName, workspaceName: workspace.workspaceName };
      await provider.construct("credit", TOKENS.ModelWebService, { workspace: reference, endpointName: "credit-score-dev", compute: { kind: "managed" }, model: "credit-risk:3" }, {});
    });
    expect(errors.map((error) => error.message).join("\n")).toMatch(/workspace\.(resourceGroupName "rg-aml-dev-weu" is not "rg-aml-qa-weu"|workspaceName "mlw-dev-weu" is not "mlw-qa-weu"), the name an MlWorkspace gets from environment "qa" and location "westeurope"; give the values/);
  });

  it("makes a Kubernetes service wait for the attached compute, through the cluster's computeId output", async () => {
    for (const program of [typedProgram, packageProgram]) {
      const { resources, errors } = await runComponents(program, { preview: true });
      expect(errors).toEqual([]);
      const compute = ofType(resources, "azure-native:machinelearningservices:Compute")[0];
      const endpoint = ofType(resources, "azure-native:machinelearningservices:OnlineEndpoint").find((resource) => resource.name === "fraud-endpoint");
      expect(compute).toBeDefined();
      expect(endpoint?.dependencies).toContain(compute?.urn);
    }
  });

  it("returns the outputs the schema declares: keys as secrets, the token access of a token service", async () => {
    const states: Record<string, State> = {};
    const { errors } = await runComponents(async () => {
      const workspace = (await provider.construct("platform", TOKENS.MlWorkspace, { environment: "dev", location: "westeurope" }, {})).state as State;
      const reference = { environment: "dev", location: "westeurope", subscriptionId: workspace.subscriptionId, resourceGroupName: workspace.resourceGroupName, workspaceName: workspace.workspaceName };
      states.key = (await provider.construct("credit", TOKENS.ModelWebService, { workspace: reference, endpointName: "credit-score-dev", compute: { kind: "managed" }, model: "credit-risk:3" }, {})).state as State;
      states.aad = (await provider.construct("entra", TOKENS.ModelWebService, { workspace: reference, endpointName: "entra-dev", compute: { kind: "managed", auth: "aadToken" }, model: "credit-risk:3" }, {})).state as State;
    });
    expect(errors).toEqual([]);
    expect(states.key?.authMode).toBe("Key");
    expect(await pulumi.isSecret(states.key?.keys as pulumi.Output<unknown>)).toBe(true);
    expect(states.aad?.authMode).toBe("AADToken");
    expect(states.aad?.aadTokenAudience).toBe("https://ml.azure.com");
    expect(states.aad?.keys).toBeUndefined();
  });
});

describe("what the TypeScript types refuse, the package refuses at run time before registering anything", () => {
  async function refusal(type: string, args: Record<string, unknown>) {
    let message = "";
    const { resources } = await runComponents(async () => {
      try {
        await provider.construct("bad", type, args, {});
      } catch (error) {
        message = (error as Error).message;
      }
    });
    return { message, registered: programResources(resources).length };
  }
  const workspace = { environment: "dev", location: "westeurope", existingWorkspaceId: EXISTING_WORKSPACE_ID };

  const cases: { name: string; type: string; args: Record<string, unknown>; message: RegExp }[] = [
    {
      name: "a region that does not exist, with a hint",
      type: TOKENS.MlWorkspace,
      args: { environment: "dev", location: "westeurop" },
      message: /location "westeurop" is not an Azure region name such as "westeurope" \(did you mean "westeurope"/,
    },
    {
      name: "Entra ID tokens on Kubernetes",
      type: TOKENS.ModelWebService,
      args: { workspace, endpointName: "svc-dev", compute: { kind: "kubernetes", auth: "aadToken", computeId: `${EXISTING_WORKSPACE_ID}/computes/k8s`, location: "westeurope" }, model: "m:1", instanceType: "big" },
      message: /compute\.auth: "aadToken" is not supported with compute kind "kubernetes"/,
    },
    {
      name: "an auth mode outside the three",
      type: TOKENS.ModelWebService,
      args: { workspace, endpointName: "svc-dev", compute: { kind: "managed", auth: "none" }, model: "m:1" },
      message: /compute\.auth "none" is not one of "key", "amlToken", "aadToken"/,
    },
    {
      name: "a Kubernetes compute given to a managed service",
      type: TOKENS.ModelWebService,
      args: { workspace, endpointName: "svc-dev", compute: { kind: "managed", computeId: `${EXISTING_WORKSPACE_ID}/computes/k8s` }, model: "m:1" },
      message: /compute\.computeId apply only to compute\.kind "kubernetes"/,
    },
    {
      name: "a Kubernetes service without an instance type, which only the TypeScript library creates",
      type: TOKENS.ModelWebService,
      args: { workspace, endpointName: "svc-dev", compute: { kind: "kubernetes", computeId: `${EXISTING_WORKSPACE_ID}/computes/k8s`, location: "westeurope" }, model: "m:1" },
      message: /instanceType is required with compute\.kind "kubernetes"/,
    },
    {
      name: "a token service on a cluster in another region",
      type: TOKENS.ModelWebService,
      args: { workspace, endpointName: "svc-dev", compute: { kind: "kubernetes", computeId: `${EXISTING_WORKSPACE_ID}/computes/k8s`, location: "eastus" }, model: "m:1", instanceType: "big" },
      message: /token auth \(AMLToken\) needs the workspace and the AKS cluster in the same region/,
    },
    {
      name: "a private network with both a new network and a hub's subnets",
      type: TOKENS.MlWorkspace,
      args: { environment: "dev", location: "westeurope", network: { kind: "private", addressSpace: "10.40.0.0/16", aksSubnetId: "x" } },
      message: /a private network needs either a new network .* or a hub's subnets/,
    },
    {
      name: "a transport that is neither TLS nor explicitly insecure",
      type: TOKENS.AksInferenceCluster,
      args: { workspace, transport: {} },
      message: /transport needs hostname with a certificate .* or insecure: true/,
    },
    {
      name: "TLS with two certificates",
      type: TOKENS.AksInferenceCluster,
      args: { workspace, cluster: { existingClusterId: `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks` }, transport: { hostname: "a.contoso.com", existingSecretName: "tls", ...CERTIFICATE } },
      message: /exactly one certificate/,
    },
    {
      name: "a workspace region given as an output, which is unknown before anything is created",
      type: TOKENS.AksInferenceCluster,
      args: { workspace: { ...workspace, location: pulumi.output("westeurope") }, transport: { insecure: true } },
      message: /workspace\.location must be a plain string known before anything is created/,
    },
    {
      name: "a workspace given both as an MlWorkspace's outputs and as another team's",
      type: TOKENS.AksInferenceCluster,
      args: { workspace: { ...workspace, resourceGroupName: "rg" }, transport: { insecure: true } },
      message: /existingWorkspaceId names a workspace another team owns; remove workspace\.resourceGroupName/,
    },
  ];
  for (const testCase of cases) {
    it(`refuses ${testCase.name}`, async () => {
      const { message, registered } = await refusal(testCase.type, testCase.args);
      expect(message).toMatch(testCase.message);
      expect(registered).toBe(0);
    });
  }
});
