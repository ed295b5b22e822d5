import { describe, expect, it } from "vitest";
import { mlEndpointTokenSameRegion } from "../../policies/rules/ml-endpoint-token-same-region";
import { type StackResourceFixture, runStackPolicy, unknown, urnOf } from "./policyHarness";

const WORKSPACE = "azure-native:machinelearningservices:Workspace";
const CLUSTER = "azure-native:containerservice:ManagedCluster";
const COMPUTE = "azure-native:machinelearningservices:Compute";
const ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint";
const AKS_SERVICE = "azure-native:machinelearningservices/v20210401:AKSService";
const CLUSTER_ID = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1";
const COMPUTE_ID = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw/computes/k8s";

interface Regions {
  workspace?: string;
  cluster?: string;
}

/** A Kubernetes endpoint stack as the engine reports it after an update (outputs = inputs + computed). */
function kubernetesStack(regions: Regions = {}, authMode = "AMLToken"): StackResourceFixture[] {
  return [
    { type: "azure-native:resources:ResourceGroup", name: "rg", props: { resourceGroupName: "rg", location: "westeurope" } },
    {
      type: WORKSPACE,
      name: "ws",
      props: { resourceGroupName: "rg", workspaceName: "mlw", name: "mlw", location: regions.workspace ?? "westeurope" },
      dependencies: ["rg"],
      propertyDependencies: { resourceGroupName: ["rg"] },
    },
    {
      type: CLUSTER,
      name: "aks",
      props: { resourceGroupName: "rg", resourceName: "aks1", name: "aks1", location: regions.cluster ?? "West Europe" },
      dependencies: ["rg"],
      propertyDependencies: { resourceGroupName: ["rg"] },
    },
    {
      type: COMPUTE,
      name: "aks-compute",
      props: {
        resourceGroupName: "rg",
        workspaceName: "mlw",
        computeName: "k8s",
        name: "k8s",
        properties: { computeType: "Kubernetes", resourceId: CLUSTER_ID, properties: { namespace: "scoring" } },
      },
      dependencies: ["rg", "ws", "aks"],
      propertyDependencies: { resourceGroupName: ["rg"], workspaceName: ["ws"], properties: ["aks"] },
    },
    {
      type: ENDPOINT,
      name: "ep",
      props: {
        resourceGroupName: "rg",
        workspaceName: "mlw",
        endpointName: "scoring",
        name: "scoring",
        location: "westeurope",
        properties: { authMode, compute: COMPUTE_ID, scoringUri: "https://scoring.westeurope.inference.ml.azure.com/score" },
      },
      dependencies: ["rg", "ws", "aks-compute"],
      propertyDependencies: { resourceGroupName: ["rg"], workspaceName: ["ws"], properties: ["aks-compute"] },
    },
  ];
}

function withoutDependencies(stack: StackResourceFixture[]): StackResourceFixture[] {
  return stack.map(({ dependencies: _d, propertyDependencies: _p, ...rest }) => rest);
}

function replace(stack: StackResourceFixture[], name: string, change: (r: StackResourceFixture) => StackResourceFixture | undefined): StackResourceFixture[] {
  return stack.flatMap((r) => {
    if (r.name !== name) return [r];
    const changed = change(r);
    return changed ? [changed] : [];
  });
}

const CROSS_REGION =
  "OnlineEndpoint 'ep' uses token auth (authMode AMLToken) on compute 'aks-compute', whose AKS cluster 'aks' is in eastus, " +
  "but workspace 'ws' is in westeurope; tokens are issued from the workspace's region, so an outage or latency there breaks " +
  "scoring: put the cluster and the workspace in the same region (move the cluster to westeurope, or use a workspace in eastus)";

describe("ml-endpoint-token-same-region", () => {
  it("passes an AMLToken endpoint whose cluster is in the workspace's region (spelling aside)", async () => {
    expect(await runStackPolicy(mlEndpointTokenSameRegion, kubernetesStack())).toEqual({
      violations: [],
      notApplicable: undefined,
      previewAdvisory: undefined,
    });
  });

  it.each([
    ["West Europe", "westeurope"],
    ["west-europe", "West Europe"],
    ["west_europe", "WestEurope"],
    ["WEST-EUROPE", "west_europe"],
  ])("compares regions as the components do: cluster %j and workspace %j are one region", async (cluster, workspace) => {
    const run = await runStackPolicy(mlEndpointTokenSameRegion, kubernetesStack({ cluster, workspace }));
    expect(run).toEqual({ violations: [], notApplicable: undefined, previewAdvisory: undefined });
  });

  it("refuses an AMLToken endpoint whose cluster is in another region", async () => {
    const run = await runStackPolicy(mlEndpointTokenSameRegion, kubernetesStack({ cluster: "eastus" }));
    expect(run.violations).toEqual([{ message: CROSS_REGION, urn: urnOf(ENDPOINT, "ep") }]);
    expect(run.previewAdvisory).toBeUndefined();
  });

  it("follows ARM ids and names when the stack records no dependencies", async () => {
    const run = await runStackPolicy(mlEndpointTokenSameRegion, withoutDependencies(kubernetesStack({ cluster: "eastus" })));
    expect(run.violations.map((v) => v.message)).toEqual([CROSS_REGION]);
  });

  it("follows dependencies during preview, when the ids are still unknown", async () => {
    let stack = kubernetesStack({ cluster: "eastus" });
    stack = replace(stack, "aks-compute", (r) => ({ ...r, props: { ...r.props, name: unknown.string, properties: { computeType: "Kubernetes", resourceId: unknown.string } } }));
    stack = replace(stack, "ep", (r) => ({ ...r, props: { ...r.props, name: unknown.string, properties: { authMode: "AMLToken", compute: unknown.string } } }));
    const run = await runStackPolicy(mlEndpointTokenSameRegion, stack);
    expect(run.violations.map((v) => v.message)).toEqual([CROSS_REGION]);
    expect(run.previewAdvisory).toBeUndefined();
  });

  it("defers to update when a region is unknown during preview", async () => {
    const stack = replace(kubernetesStack(), "aks", (r) => ({ ...r, props: { ...r.props, location: unknown.string } }));
    const run = await runStackPolicy(mlEndpointTokenSameRegion, stack);
    expect(run.violations).toEqual([]);
    expect(run.previewAdvisory).toBe(
      "can't run policy 'ml-endpoint-token-same-region' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "the regions of token-auth services on AKS are not all known during preview: for OnlineEndpoint 'ep', location of " +
        "ManagedCluster 'aks' (string value at .location can't be known during preview); ml-endpoint-token-same-region runs at update",
    );
  });

  it("defers to update when a location is left for Azure to assign", async () => {
    const stack = replace(kubernetesStack(), "ws", (r) => {
      const { location: _unset, ...props } = r.props;
      return { ...r, props };
    });
    const run = await runStackPolicy(mlEndpointTokenSameRegion, stack);
    expect(run.previewAdvisory).toBe(
      "can't run policy 'ml-endpoint-token-same-region' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "the regions of token-auth services on AKS are not all known during preview: for OnlineEndpoint 'ep', Workspace 'ws' " +
        "sets no location (Azure assigns its resource group's at create); ml-endpoint-token-same-region runs at update",
    );
  });

  it("uses the compute's computeLocation for a cluster attached from outside the stack", async () => {
    let stack = replace(kubernetesStack(), "aks", () => undefined);
    stack = replace(stack, "aks-compute", (r) => ({
      ...r,
      props: { ...r.props, properties: { computeType: "Kubernetes", resourceId: CLUSTER_ID, computeLocation: "eastus" } },
      dependencies: ["rg", "ws"],
      propertyDependencies: { resourceGroupName: ["rg"], workspaceName: ["ws"] },
    }));
    const run = await runStackPolicy(mlEndpointTokenSameRegion, stack);
    expect(run.violations.map((v) => v.message)).toEqual([
      "OnlineEndpoint 'ep' uses token auth (authMode AMLToken) on compute 'aks-compute', whose cluster is in eastus " +
        "(properties.computeLocation), but workspace 'ws' is in westeurope; tokens are issued from the workspace's region, " +
        "so an outage or latency there breaks scoring: put the cluster and the workspace in the same region (move the " +
        "cluster to westeurope, or use a workspace in eastus)",
    ]);
  });

  it("reports what it cannot verify: an external cluster without computeLocation", async () => {
    let stack = replace(kubernetesStack(), "aks", () => undefined);
    stack = replace(stack, "aks-compute", (r) => ({ ...r, dependencies: ["rg", "ws"], propertyDependencies: { workspaceName: ["ws"] } }));
    const run = await runStackPolicy(mlEndpointTokenSameRegion, stack);
    expect(run.violations).toEqual([
      {
        message:
          "cannot verify that token-auth OnlineEndpoint 'ep' runs in its workspace's region: " +
          `Compute 'aks-compute' attaches ${CLUSTER_ID}, which is not a ManagedCluster in this stack, and sets no ` +
          "properties.computeLocation; set properties.computeLocation to the cluster's region, or read the cluster with ManagedCluster.get(...)",
        urn: urnOf(ENDPOINT, "ep"),
      },
    ]);
  });

  it("reports what it cannot verify: a workspace outside the stack", async () => {
    let stack = replace(kubernetesStack(), "ws", () => undefined);
    stack = replace(stack, "aks-compute", (r) => ({ ...r, dependencies: ["rg", "aks"], propertyDependencies: { properties: ["aks"] } }));
    stack = replace(stack, "ep", (r) => ({ ...r, dependencies: ["rg", "aks-compute"], propertyDependencies: { properties: ["aks-compute"] } }));
    const run = await runStackPolicy(mlEndpointTokenSameRegion, stack);
    expect(run.violations.map((v) => v.message)).toEqual([
      "cannot verify that token-auth OnlineEndpoint 'ep' runs in its workspace's region: " +
        "its workspace 'mlw' is not in this stack; manage it in this program or read it with Workspace.get(...) so its location is known",
    ]);
  });

  it("reports what it cannot verify: a compute outside the stack", async () => {
    let stack = replace(kubernetesStack(), "aks-compute", () => undefined);
    stack = replace(stack, "ep", (r) => ({ ...r, dependencies: ["rg", "ws"], propertyDependencies: { workspaceName: ["ws"] } }));
    const run = await runStackPolicy(mlEndpointTokenSameRegion, stack);
    expect(run.violations.map((v) => v.message)).toEqual([
      "cannot verify that token-auth OnlineEndpoint 'ep' runs in its workspace's region: " +
        `properties.compute (${COMPUTE_ID}) names no Compute in this stack; manage the Compute in this program ` +
        "or read it with Compute.get(...) so its cluster can be followed",
    ]);
  });

  it("refuses a v1 AKS service with token auth on a cluster in another region", async () => {
    const stack = kubernetesStack({ cluster: "eastus" }).filter((r) => r.type !== ENDPOINT);
    stack.push({
      type: AKS_SERVICE,
      name: "legacy",
      props: {
        location: "westeurope",
        name: "legacy-scoring",
        properties: { computeType: "AKS", computeName: "k8s", authEnabled: false, aadAuthEnabled: true },
      },
    });
    const run = await runStackPolicy(mlEndpointTokenSameRegion, stack);
    expect(run.violations).toEqual([
      {
        message:
          "v1 AKS web service 'legacy' uses token auth (aadAuthEnabled) on compute 'aks-compute', whose AKS cluster 'aks' is in " +
          "eastus, but workspace 'ws' is in westeurope; tokens are issued from the workspace's region, so an outage or latency " +
          "there breaks scoring: put the cluster and the workspace in the same region (move the cluster to westeurope, or use a workspace in eastus)",
        urn: urnOf(AKS_SERVICE, "legacy"),
      },
    ]);
  });

  it("ignores key-auth and managed endpoints and is not applicable without token services on AKS", async () => {
    const keyAuth = await runStackPolicy(mlEndpointTokenSameRegion, kubernetesStack({ cluster: "eastus" }, "Key"));
    expect(keyAuth).toEqual({
      violations: [],
      notApplicable: { reason: "no token-auth web service on AKS or Kubernetes compute in this stack" },
      previewAdvisory: undefined,
    });
    const managed = replace(kubernetesStack({ cluster: "eastus" }), "ep", (r) => ({
      ...r,
      props: { ...r.props, properties: { authMode: "AMLToken" } },
    }));
    expect((await runStackPolicy(mlEndpointTokenSameRegion, managed)).notApplicable).toBeDefined();
  });

  it("judges the workspace the endpoint names, not one it merely depends on (names compare case-insensitively)", async () => {
    // The endpoint names workspace "MLW" (the stack's 'ws', in westeurope) but depends on another workspace in eastus.
    let stack = kubernetesStack();
    stack.push({
      type: WORKSPACE,
      name: "other",
      props: { resourceGroupName: "rg", workspaceName: "mlw-other", name: "mlw-other", location: "eastus" },
    });
    stack = replace(stack, "ep", (r) => ({
      ...r,
      props: { ...r.props, workspaceName: "MLW" },
      dependencies: [...(r.dependencies ?? []), "other"],
      propertyDependencies: { ...r.propertyDependencies, workspaceName: ["other"] },
    }));
    expect(await runStackPolicy(mlEndpointTokenSameRegion, stack)).toEqual({ violations: [], notApplicable: undefined, previewAdvisory: undefined });
    // And the other way round: a cluster in eastus is refused against the named workspace, though the dependency is in eastus.
    const crossRegion = replace(stack, "aks", (r) => ({ ...r, props: { ...r.props, location: "eastus" } }));
    const run = await runStackPolicy(mlEndpointTokenSameRegion, crossRegion);
    expect(run.violations.map((v) => v.message)).toEqual([CROSS_REGION]);
  });

  it("follows a known compute id by value, not by dependency", async () => {
    // properties.compute names a compute that is not in the stack; the dependency on 'aks-compute' does not stand in for it.
    const otherId = COMPUTE_ID.replace("/computes/k8s", "/computes/elsewhere");
    const stack = replace(kubernetesStack({ cluster: "eastus" }), "ep", (r) => ({
      ...r,
      props: { ...r.props, properties: { authMode: "AMLToken", compute: otherId } },
    }));
    const run = await runStackPolicy(mlEndpointTokenSameRegion, stack);
    expect(run.violations.map((v) => v.message)).toEqual([
      "cannot verify that token-auth OnlineEndpoint 'ep' runs in its workspace's region: " +
        `properties.compute (${otherId}) names no Compute in this stack; manage the Compute in this program ` +
        "or read it with Compute.get(...) so its cluster can be followed",
    ]);
  });

  it("judges endpoints and workspaces that an ARM template deployment declares", async () => {
    const stack = replace(
      kubernetesStack({ cluster: "eastus" }).filter((r) => r.type !== ENDPOINT && r.type !== WORKSPACE),
      "aks-compute",
      (r) => ({ ...r, dependencies: ["rg", "aks"], propertyDependencies: { properties: ["aks"] } }),
    );
    stack.push({
      type: "azure-native:resources:Deployment",
      name: "arm",
      props: {
        resourceGroupName: "rg",
        properties: {
          mode: "Incremental",
          parameters: { ws: { value: "mlw" } },
          template: {
            parameters: { ws: { type: "string" } },
            resources: [
              // resourceGroup().location: the stack's ResourceGroup 'rg' is in westeurope.
              { type: "Microsoft.MachineLearningServices/workspaces", apiVersion: "2024-10-01", name: "[parameters('ws')]", location: "[resourceGroup().location]" },
              {
                type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
                apiVersion: "2024-10-01",
                name: "[format('{0}/{1}', parameters('ws'), 'scoring')]",
                location: "westeurope",
                properties: { authMode: "AMLToken", compute: "[resourceId('Microsoft.MachineLearningServices/workspaces/computes', parameters('ws'), 'k8s')]" },
              },
            ],
          },
        },
      },
    });
    const run = await runStackPolicy(mlEndpointTokenSameRegion, stack);
    const withoutGroup = await runStackPolicy(mlEndpointTokenSameRegion, stack.filter((r) => r.name !== "rg").map((r) => ({ ...r, dependencies: [], propertyDependencies: {} })));
    expect(withoutGroup.violations.map((v) => v.message)).toEqual([
      "cannot verify that OnlineEndpoint 'arm[mlw/scoring]' runs in its workspace's region (ARM template, resource 'mlw' " +
        "(Microsoft.MachineLearningServices/workspaces)): cannot verify location: resourceGroup().location is the location of resource group 'rg', which is not in " +
        "this stack; set the location explicitly; the pack does not pass what it cannot check: write the value literally, or through parameters " +
        "and variables whose values the program gives",
    ]);
    expect(run.violations).toEqual([
      {
        message:
          "OnlineEndpoint 'arm[mlw/scoring]' uses token auth (authMode AMLToken) on compute 'aks-compute', whose AKS cluster 'aks' is in eastus, " +
          "but workspace 'arm[mlw]' is in westeurope; tokens are issued from the workspace's region, so an outage or latency there breaks " +
          "scoring: put the cluster and the workspace in the same region (move the cluster to westeurope, or use a workspace in eastus)",
        urn: urnOf("azure-native:resources:Deployment", "arm"),
      },
    ]);
  });
});
