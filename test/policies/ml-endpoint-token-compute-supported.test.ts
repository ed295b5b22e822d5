import { describe, expect, it } from "vitest";
import { mlEndpointTokenComputeSupported } from "../../policies/rules/ml-endpoint-token-compute-supported";
import { runResourcePolicy, unknown } from "./policyHarness";

const ACI_SERVICE = "azure-native:machinelearningservices/v20210401:ACIService";
const AKS_SERVICE = "azure-native:machinelearningservices/v20210401:AKSService";
const ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint";
const COMPUTE_ID =
  "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/aks-compute";

const managedAadEndpoint = { workspaceName: "ws", location: "westeurope", properties: { authMode: "AADToken" } };

describe("ml-endpoint-token-compute-supported", () => {
  it("passes AADToken on a managed endpoint, AMLToken on Kubernetes, token auth on AKS and keys on ACI", async () => {
    for (const fixture of [
      { type: ENDPOINT, props: managedAadEndpoint },
      { type: ENDPOINT, props: { workspaceName: "ws", properties: { authMode: "AMLToken", compute: COMPUTE_ID } } },
      { type: AKS_SERVICE, props: { computeType: "AKS", authEnabled: false, aadAuthEnabled: true } },
      { type: ACI_SERVICE, props: { computeType: "ACI", authEnabled: true } },
    ]) {
      expect(await runResourcePolicy(mlEndpointTokenComputeSupported, fixture)).toEqual({
        violations: [],
        notApplicable: undefined,
        previewAdvisory: undefined,
      });
    }
  });

  it("refuses token auth on a v1 ACI service", async () => {
    const run = await runResourcePolicy(mlEndpointTokenComputeSupported, {
      type: ACI_SERVICE,
      props: { computeType: "ACI", aadAuthEnabled: true },
    });
    expect(run.violations.map((v) => v.message)).toEqual([
      "v1 ACI service enables token auth (aadAuthEnabled), which ACI does not support; " +
        "set aadAuthEnabled: false and authEnabled: true, or migrate to a managed online endpoint with authMode AMLToken",
    ]);
  });

  it("refuses AADToken on a Kubernetes endpoint", async () => {
    const run = await runResourcePolicy(mlEndpointTokenComputeSupported, {
      type: ENDPOINT,
      props: { ...managedAadEndpoint, properties: { authMode: "AADToken", compute: COMPUTE_ID } },
    });
    expect(run.violations.map((v) => v.message)).toEqual([
      `OnlineEndpoint uses authMode AADToken on Kubernetes compute ${COMPUTE_ID}; Entra ID tokens work only on managed ` +
        `online endpoints: use authMode "AMLToken" (or "Key"), or remove properties.compute to make it a managed endpoint`,
    ]);
  });

  it("is not applicable to other resources", async () => {
    const run = await runResourcePolicy(mlEndpointTokenComputeSupported, {
      type: "azure-native:machinelearningservices:Compute",
      props: { properties: { computeType: "Kubernetes" } },
    });
    expect(run.notApplicable?.reason).toMatch(/^applies only to v1 ACI\/AKS web services/);
  });

  it("judges without the values it does not need", async () => {
    const managedUnknownMode = { ...managedAadEndpoint, properties: { authMode: unknown.string } };
    expect(await runResourcePolicy(mlEndpointTokenComputeSupported, { type: ENDPOINT, props: managedUnknownMode })).toEqual({
      violations: [],
      notApplicable: undefined,
      previewAdvisory: undefined,
    });
    const keyOnUnknownCompute = { ...managedAadEndpoint, properties: { authMode: "Key", compute: unknown.string } };
    expect((await runResourcePolicy(mlEndpointTokenComputeSupported, { type: ENDPOINT, props: keyOnUnknownCompute })).previewAdvisory).toBeUndefined();
  });

  it("defers to update while the auth mode of a Kubernetes endpoint is unknown", async () => {
    const run = await runResourcePolicy(mlEndpointTokenComputeSupported, {
      type: ENDPOINT,
      props: { ...managedAadEndpoint, properties: { authMode: unknown.string, compute: COMPUTE_ID } },
    });
    expect(run.previewAdvisory).toBe(
      "can't run policy 'ml-endpoint-token-compute-supported' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "string value at .properties.authMode can't be known during preview: properties.authMode is computed from " +
        "another resource's output; ml-endpoint-token-compute-supported runs at update",
    );
  });

  it("defers to update while the compute id is unknown", async () => {
    const run = await runResourcePolicy(mlEndpointTokenComputeSupported, {
      type: ENDPOINT,
      props: { ...managedAadEndpoint, properties: { authMode: "AADToken", compute: unknown.string } },
    });
    expect(run.violations).toEqual([]);
    expect(run.previewAdvisory).toBe(
      "can't run policy 'ml-endpoint-token-compute-supported' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "string value at .properties.compute can't be known during preview: properties.compute is known only after the " +
        "compute is created; ml-endpoint-token-compute-supported runs at update",
    );
  });
});
