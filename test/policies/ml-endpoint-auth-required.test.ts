import { describe, expect, it } from "vitest";
import { mlEndpointAuthRequired } from "../../policies/rules/ml-endpoint-auth-required";
import { runResourcePolicy, unknown } from "./policyHarness";

const ACI_SERVICE = "azure-native:machinelearningservices/v20210401:ACIService";
const AKS_SERVICE = "azure-native:machinelearningservices/v20200515preview:AKSService";
const GENERIC_SERVICE = "azure-native:machinelearningservices/v20200901preview:MachineLearningService";
const ENDPOINT = "azure-native:machinelearningservices/v20240401:OnlineEndpoint";

const aciService = { resourceGroupName: "rg", workspaceName: "ws", computeType: "ACI", location: "westeurope" };

const ANONYMOUS_ACI =
  "v1 ACI service has neither key nor token auth (authEnabled is off by default on ACI), so anyone can call it; " +
  "set authEnabled: true, or migrate to a managed online endpoint with authMode AMLToken or AADToken";

const TOKEN_ONLY_ACI =
  "v1 ACI service sets only token auth (aadAuthEnabled: true), but ACI ignores aadAuthEnabled, so the service is " +
  "anonymous and anyone can call it; set authEnabled: true, or migrate to a managed online endpoint with authMode " +
  "AMLToken or AADToken";

describe("ml-endpoint-auth-required", () => {
  it("passes an ACI service with key auth, an AKS service with default keys, and an endpoint with a mode", async () => {
    for (const fixture of [
      { type: ACI_SERVICE, props: { ...aciService, authEnabled: true } },
      { type: AKS_SERVICE, props: { workspaceName: "ws", computeType: "AKS", computeName: "aks" } },
      { type: AKS_SERVICE, props: { workspaceName: "ws", computeType: "AKS", authEnabled: false, aadAuthEnabled: true } },
      { type: ENDPOINT, props: { workspaceName: "ws", properties: { authMode: "AADToken" } } },
    ]) {
      expect(await runResourcePolicy(mlEndpointAuthRequired, fixture)).toEqual({
        violations: [],
        notApplicable: undefined,
        previewAdvisory: undefined,
      });
    }
  });

  it("refuses an ACI service left at its default (anonymous)", async () => {
    const run = await runResourcePolicy(mlEndpointAuthRequired, { type: ACI_SERVICE, props: aciService });
    expect(run.violations.map((v) => v.message)).toEqual([ANONYMOUS_ACI]);
  });

  it("refuses an ACI service whose auth flags sit only in its free-form properties dictionary, which Azure never reads for auth", async () => {
    const nested = { workspaceName: "ws", computeType: "ACI", properties: { authEnabled: "true" } };
    const run = await runResourcePolicy(mlEndpointAuthRequired, { type: ACI_SERVICE, props: nested });
    expect(run.violations.map((v) => v.message)).toEqual([ANONYMOUS_ACI]);
  });

  it("refuses an ACI service with only aadAuthEnabled: true (ACI ignores tokens)", async () => {
    for (const fixture of [
      { type: ACI_SERVICE, props: { ...aciService, aadAuthEnabled: true } },
      { type: ACI_SERVICE, props: { ...aciService, authEnabled: false, aadAuthEnabled: true } },
    ]) {
      const run = await runResourcePolicy(mlEndpointAuthRequired, fixture);
      expect(run.violations.map((v) => v.message)).toEqual([TOKEN_ONLY_ACI]);
      expect(run.previewAdvisory).toBeUndefined();
    }
  });

  it("passes an ACI service with keys whatever aadAuthEnabled says (ml-endpoint-auth-exclusive judges both flags)", async () => {
    const run = await runResourcePolicy(mlEndpointAuthRequired, { type: ACI_SERVICE, props: { ...aciService, authEnabled: true, aadAuthEnabled: true } });
    expect(run.violations).toEqual([]);
  });

  it("refuses a generic v1 service whose computeType is ACI and which sets no auth", async () => {
    const run = await runResourcePolicy(mlEndpointAuthRequired, { type: GENERIC_SERVICE, props: aciService });
    expect(run.violations.map((v) => v.message)).toEqual([ANONYMOUS_ACI]);
  });

  it("refuses an AKS service with keys turned off and no token auth", async () => {
    const props = { workspaceName: "ws", computeType: "AKS", authEnabled: false, aadAuthEnabled: false };
    const run = await runResourcePolicy(mlEndpointAuthRequired, { type: AKS_SERVICE, props });
    expect(run.violations.map((v) => v.message)).toEqual([
      "v1 AKS service has neither key nor token auth (authEnabled: false and aadAuthEnabled off), so anyone can call it; " +
        "remove authEnabled: false to keep keys, or set aadAuthEnabled: true for token auth",
    ]);
  });

  it("refuses an endpoint without an auth mode (untyped programs)", async () => {
    const run = await runResourcePolicy(mlEndpointAuthRequired, { type: ENDPOINT, props: { workspaceName: "ws", properties: {} } });
    expect(run.violations.map((v) => v.message)).toEqual([
      'OnlineEndpoint sets no properties.authMode; set it to "AMLToken", "AADToken" or "Key"',
    ]);
  });

  it("is not applicable to other resources", async () => {
    const run = await runResourcePolicy(mlEndpointAuthRequired, { type: "azure-native:storage:StorageAccount", props: {} });
    expect(run.notApplicable?.reason).toMatch(/^applies only to v1 ACI\/AKS web services/);
  });

  it("defers to update when a generic service's computeType is unknown", async () => {
    const run = await runResourcePolicy(mlEndpointAuthRequired, { type: GENERIC_SERVICE, props: { ...aciService, computeType: unknown.string } });
    expect(run.previewAdvisory).toBe(
      "can't run policy 'ml-endpoint-auth-required' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "string value at .computeType can't be known during preview: computeType of this v1 service is computed from " +
        "another resource's output; ml-endpoint-auth-required runs at update",
    );
  });

  it("defers to update when authEnabled is unknown", async () => {
    const run = await runResourcePolicy(mlEndpointAuthRequired, { type: ACI_SERVICE, props: { ...aciService, authEnabled: unknown.boolean } });
    expect(run.violations).toEqual([]);
    expect(run.previewAdvisory).toBe(
      "can't run policy 'ml-endpoint-auth-required' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "boolean value at .authEnabled can't be known during preview: authEnabled is computed from another " +
        "resource's output; ml-endpoint-auth-required runs at update",
    );
  });
});
