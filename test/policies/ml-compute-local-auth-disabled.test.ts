import { describe, expect, it } from "vitest";
import { mlComputeLocalAuthDisabled } from "../../policies/rules/ml-compute-local-auth-disabled";
import { runResourcePolicy, unknown } from "./policyHarness";

const COMPUTE = "azure-native:machinelearningservices:Compute";
const compute = {
  resourceGroupName: "rg",
  workspaceName: "ws",
  computeName: "aks-compute",
  properties: { computeType: "Kubernetes", resourceId: "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks", disableLocalAuth: true },
};

describe("ml-compute-local-auth-disabled", () => {
  it("passes a compute with local auth disabled (v1-era token too)", async () => {
    for (const type of [COMPUTE, "azure-native:machinelearningservices/v20210401:MachineLearningCompute"]) {
      expect(await runResourcePolicy(mlComputeLocalAuthDisabled, { type, props: compute })).toEqual({
        violations: [],
        notApplicable: undefined,
        previewAdvisory: undefined,
      });
    }
  });

  it("refuses unset and false", async () => {
    const { disableLocalAuth: _unset, ...defaults } = compute.properties;
    const unset = await runResourcePolicy(mlComputeLocalAuthDisabled, { type: COMPUTE, props: { ...compute, properties: defaults } });
    expect(unset.violations.map((v) => v.message)).toEqual([
      "Compute does not set properties.disableLocalAuth, so local (key) authentication stays enabled; set properties.disableLocalAuth: true",
    ]);
    const off = await runResourcePolicy(mlComputeLocalAuthDisabled, { type: COMPUTE, props: { ...compute, properties: { ...defaults, disableLocalAuth: false } } });
    expect(off.violations.map((v) => v.message)).toEqual([
      "Compute sets properties.disableLocalAuth: false, so local (key) authentication stays enabled; set properties.disableLocalAuth: true",
    ]);
  });

  it("names the Azure Policy built-in it mirrors", () => {
    expect(mlComputeLocalAuthDisabled.description).toContain("e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f");
    expect(mlComputeLocalAuthDisabled.tags).toContain("azure-policy:e96a9a5f-07ca-471b-9bc5-6a0f33cbd68f");
  });

  it("is not applicable to other resources", async () => {
    const run = await runResourcePolicy(mlComputeLocalAuthDisabled, { type: "azure-native:containerservice:ManagedCluster", props: {} });
    expect(run.notApplicable?.reason).toBe(
      "applies only to azure-native:machinelearningservices:Compute, azure-native:machinelearningservices:MachineLearningCompute",
    );
  });

  it("defers to update when the value is unknown", async () => {
    const run = await runResourcePolicy(mlComputeLocalAuthDisabled, { type: COMPUTE, props: { ...compute, properties: { ...compute.properties, disableLocalAuth: unknown.boolean } } });
    expect(run.previewAdvisory).toBe(
      "can't run policy 'ml-compute-local-auth-disabled' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "boolean value at .properties.disableLocalAuth can't be known during preview: properties.disableLocalAuth is " +
        "computed from another resource's output; ml-compute-local-auth-disabled runs at update",
    );
  });
});
