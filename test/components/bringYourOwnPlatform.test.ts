import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { AksInferenceCluster } from "../../components/aksInferenceCluster";
import { ExistingKubernetesCompute } from "../../components/kubernetesCompute";
import { ModelWebService, type ModelWebServiceArgs } from "../../components/modelWebService";
import { ExistingMlWorkspace } from "../../components/serviceWorkspace";
import type { AzureRegion } from "../../components/azureRegions";
import { FAKE_SUBSCRIPTION_ID } from "../../plan/azureFakes";
import { inputs, ofType, programResources, single } from "../harness/records";
import { runComponents } from "../harness/componentRun";
import { runProgramWithConfig, stackConfig } from "../harness/stackRun";

const WORKSPACE_ID = `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-ml-platform/providers/Microsoft.MachineLearningServices/workspaces/mlw-shared`;
const COMPUTE_ID = `${WORKSPACE_ID}/computes/k8s-shared`;
const FOREIGN_COMPUTE_ID = `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-other/providers/Microsoft.MachineLearningServices/workspaces/mlw-other/computes/k8s-other`;
const T = {
  endpoint: "azure-native:machinelearningservices:OnlineEndpoint",
  deployment: "azure-native:machinelearningservices:OnlineDeployment",
  compute: "azure-native:machinelearningservices:Compute",
  cluster: "azure-native:containerservice:ManagedCluster",
};

interface Scenario {
  readonly privateEndpoint?: boolean;
  readonly computeId?: string;
  readonly clusterLocation?: AzureRegion;
  readonly newCluster?: boolean;
}

async function build(scenario: Scenario = {}) {
  return runComponents(() => {
    const workspace = new ExistingMlWorkspace("platform", {
      workspaceId: WORKSPACE_ID,
      location: "westeurope",
      privateEndpoint: scenario.privateEndpoint ?? false,
      environment: "team",
    });
    const cluster = scenario.newCluster
      ? new AksInferenceCluster("inference", { workspace, cluster: { kind: "new" }, transport: { kind: "insecure" } })
      : new ExistingKubernetesCompute("inference", { workspace, computeId: scenario.computeId ?? COMPUTE_ID, location: scenario.clusterLocation ?? "westeurope" });
    new ModelWebService("scoring", {
      workspace,
      endpointName: "scoring-team",
      compute: { kind: "kubernetes", cluster, auth: "key" },
      model: "credit-risk:3",
      // the owner's instance type on a cluster another team owns; a cluster this stack attaches gets one of the service's own
      ...(scenario.newCluster ? {} : { instanceType: "mlflow-large" }),
    });
  });
}

describe("services on a workspace and compute another team owns", () => {
  it("adds only the service: its endpoint runs on the existing compute, in the existing workspace", async () => {
    const { resources, errors } = await build();
    expect(errors).toEqual([]);
    expect(programResources(resources).filter((r) => !r.parent?.includes("ModelWebService") && !r.type.endsWith(":ModelWebService"))).toEqual([]);
    const endpoint = inputs(single(resources, T.endpoint));
    expect(endpoint).toMatchObject({ resourceGroupName: "rg-ml-platform", workspaceName: "mlw-shared", location: "westeurope", properties: { compute: COMPUTE_ID } });
    expect(inputs(single(resources, T.deployment)).properties).toMatchObject({
      model: `${WORKSPACE_ID}/models/credit-risk/versions/3`,
      endpointComputeType: "Kubernetes",
      instanceType: "mlflow-large",
    });
  });

  it("attaches a cluster this stack creates to the existing workspace", async () => {
    const { resources, errors } = await build({ newCluster: true });
    expect(errors).toEqual([]);
    expect(inputs(single(resources, T.compute))).toMatchObject({ workspaceName: "mlw-shared", resourceGroupName: "rg-ml-platform", computeName: "k8s-team" });
    expect(inputs(single(resources, T.endpoint)).properties).toMatchObject({ compute: `${WORKSPACE_ID}/computes/k8s-team` });
  });

  it("gives a compute it attaches to an existing high-business-impact workspace its roles on that workspace's storage", async () => {
    const storage = `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-ml-platform/providers/Microsoft.Storage/storageAccounts/stmlshared`;
    const { resources, errors } = await runComponents(() => {
      const workspace = new ExistingMlWorkspace("platform", { workspaceId: WORKSPACE_ID, location: "westeurope", privateEndpoint: false, environment: "team", hbiStorageAccountId: storage });
      new AksInferenceCluster("inference", { workspace, cluster: { kind: "new" }, transport: { kind: "insecure" } });
    });
    expect(errors).toEqual([]);
    const grants = ofType(resources, "azure-native:authorization:RoleAssignment").map(inputs);
    expect(grants.map((grant) => grant.scope)).toEqual([storage, storage]);
    expect(inputs(single(resources, T.compute)).identity).toMatchObject({ type: "SystemAssigned" });
  });

  it("refuses a compute of another workspace, before registering the service", async () => {
    const { resources, errors } = await build({ computeId: FOREIGN_COMPUTE_ID });
    expect(ofType(resources, T.endpoint)).toEqual([]);
    expect(errors.map((error) => error.message)).toEqual([
      `ExistingKubernetesCompute "inference": computeId "${FOREIGN_COMPUTE_ID}" belongs to workspace "rg-other/mlw-other", not to "rg-ml-platform/mlw-shared" (an endpoint runs only on a compute of its own workspace)`,
    ]);
  });

  it("refuses a compute outside the region of a workspace with a private endpoint, for key auth too", async () => {
    const { resources, errors } = await build({ privateEndpoint: true, clusterLocation: "northeurope" });
    expect(ofType(resources, T.endpoint)).toEqual([]);
    expect(errors.map((error) => error.message)).toEqual([
      `ExistingKubernetesCompute "inference": the workspace has a private endpoint, so Azure requires the AKS cluster in the workspace's region "westeurope", ` +
        `for every auth mode, but the cluster is in "northeurope" (allowCrossRegion does not apply); use a cluster in "westeurope"`,
    ]);
  });

  it("refuses a malformed workspace id", () => {
    expect(() => new ExistingMlWorkspace("platform", { workspaceId: "mlw-shared", location: "westeurope", privateEndpoint: false, environment: "team" })).toThrow(
      /workspaceId "mlw-shared" is not the ARM id of an Azure ML workspace/,
    );
  });
});

describe("instance types and code on a platform another team owns", () => {
  async function service(extra: Partial<ModelWebServiceArgs>) {
    return runComponents(() => {
      const workspace = new ExistingMlWorkspace("platform", { workspaceId: WORKSPACE_ID, location: "westeurope", privateEndpoint: false, environment: "team" });
      const cluster = new ExistingKubernetesCompute("inference", { workspace, computeId: COMPUTE_ID, location: "westeurope" });
      new ModelWebService("scoring", { workspace, endpointName: "scoring-team", compute: { kind: "kubernetes", cluster, auth: "key" }, model: "credit-risk:3", ...extra });
    });
  }

  it("needs one of the owner's instance types, since it cannot create one on a cluster it does not manage", async () => {
    const { errors, resources } = await service({});
    expect(ofType(resources, T.deployment)).toEqual([]);
    expect(errors.map((e) => e.message).join("\n")).toContain("instanceType is required on a Kubernetes compute another team attached");
  });

  it("refuses scoring code, whose datastore only a workspace this stack creates tells", async () => {
    const code = { directory: path.resolve(__dirname, "../fixtures/scoring-code"), scoringScript: "score.py" };
    const { errors, resources } = await service({ instanceType: "big", modelFormat: "custom", environment: "sklearn:1", code });
    expect(ofType(resources, T.deployment)).toEqual([]);
    expect(errors.map((e) => e.message).join("\n")).toContain("code needs the workspace's default datastore");
  });
});

describe("a stack that names an existing workspace and compute", () => {
  it("creates no workspace and no cluster, only its services", async () => {
    const config = stackConfig("staging", {
      override: {
        workspace: { existingWorkspaceId: WORKSPACE_ID, privateEndpoint: true },
        aksCluster: { existingComputeId: COMPUTE_ID, location: "westeurope" },
        // the owner's cluster: its instance types are the owner's too
        services: [{ name: "credit-score", compute: "aks", model: "credit-risk:1", instanceType: "mlflow-large" }],
      },
      remove: ["aad"],
    });
    const { resources, errors } = await runProgramWithConfig(config, { stack: "staging", preview: true });
    expect(errors).toEqual([]);
    expect(programResources(resources).map((r) => r.type).sort()).toEqual(
      ["aml-webservices:index:ModelWebService", T.endpoint, T.deployment, "azure-native:resources:Deployment"].sort(),
    );
    expect(inputs(single(resources, T.endpoint))).toMatchObject({ workspaceName: "mlw-shared", properties: { compute: COMPUTE_ID } });
    expect(inputs(single(resources, T.deployment)).properties).toMatchObject({ instanceType: "mlflow-large" });
  });
});
