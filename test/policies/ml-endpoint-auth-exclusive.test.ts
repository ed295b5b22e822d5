import { describe, expect, it } from "vitest";
import { mlEndpointAuthExclusive } from "../../policies/rules/ml-endpoint-auth-exclusive";
import { runResourcePolicy, unknown, urnOf } from "./policyHarness";

const AKS_SERVICE = "azure-native:machinelearningservices/v20210401:AKSService";
const ACI_SERVICE = "azure-native:machinelearningservices:ACIService";
const LOCAL_AKS_SERVICE = "azure-native_machinelearningservices_v20210401:machinelearningservices/v20210401:AKSService";
const ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint";

const aksTokenService = {
  resourceGroupName: "rg",
  workspaceName: "ws",
  serviceName: "scoring",
  computeType: "AKS",
  computeName: "aks-compute",
  location: "westeurope",
  authEnabled: false,
  aadAuthEnabled: true,
};

const tokenEndpoint = {
  resourceGroupName: "rg",
  workspaceName: "ws",
  endpointName: "scoring",
  location: "westeurope",
  properties: { authMode: "AMLToken" },
};

const BOTH_ON_AKS_BY_DEFAULT =
  "v1 AKS service has key auth (authEnabled, on by default for AKS) and token auth (aadAuthEnabled) both enabled; " +
  "set authEnabled: false to keep token auth, or aadAuthEnabled: false to keep keys";
const BOTH_ON_AKS_EXPLICIT =
  "v1 AKS service has key auth (authEnabled) and token auth (aadAuthEnabled) both enabled; " +
  "set authEnabled: false to keep token auth, or aadAuthEnabled: false to keep keys";

describe("ml-endpoint-auth-exclusive", () => {
  it("passes a v1 AKS service with token auth only", async () => {
    const run = await runResourcePolicy(mlEndpointAuthExclusive, { type: AKS_SERVICE, props: aksTokenService });
    expect(run).toEqual({ violations: [], notApplicable: undefined, previewAdvisory: undefined });
  });

  it("passes v1 AKS key auth by default and v2 endpoints with one mode", async () => {
    const { authEnabled: _a, aadAuthEnabled: _t, ...keyByDefault } = aksTokenService;
    expect((await runResourcePolicy(mlEndpointAuthExclusive, { type: AKS_SERVICE, props: keyByDefault })).violations).toEqual([]);
    expect((await runResourcePolicy(mlEndpointAuthExclusive, { type: ENDPOINT, props: tokenEndpoint })).violations).toEqual([]);
    const keyEndpoint = { ...tokenEndpoint, properties: { authMode: "Key", keys: { primaryKey: "p", secondaryKey: "s" } } };
    expect((await runResourcePolicy(mlEndpointAuthExclusive, { type: ENDPOINT, props: keyEndpoint })).violations).toEqual([]);
  });

  it("refuses an AKS service with token auth whose authEnabled is left at its default (on)", async () => {
    const { authEnabled: _unset, ...props } = aksTokenService;
    const run = await runResourcePolicy(mlEndpointAuthExclusive, { type: AKS_SERVICE, name: "scoring", props });
    expect(run.violations).toEqual([{ message: BOTH_ON_AKS_BY_DEFAULT, urn: urnOf(AKS_SERVICE, "scoring") }]);
  });

  it("refuses an AKS service with both flags set to true", async () => {
    const run = await runResourcePolicy(mlEndpointAuthExclusive, { type: AKS_SERVICE, props: { ...aksTokenService, authEnabled: true } });
    expect(run.violations.map((v) => v.message)).toEqual([BOTH_ON_AKS_EXPLICIT]);
  });

  it("reads a locally generated package's AKSService in the same flat shape", async () => {
    const props = { workspaceName: "ws", location: "westeurope", computeType: "AKS", aadAuthEnabled: true };
    const run = await runResourcePolicy(mlEndpointAuthExclusive, { type: LOCAL_AKS_SERVICE, props });
    expect(run.violations.map((v) => v.message)).toEqual([BOTH_ON_AKS_BY_DEFAULT]);
  });

  it("refuses an ACI service with both keys and tokens", async () => {
    const props = { workspaceName: "ws", computeType: "ACI", authEnabled: true, aadAuthEnabled: true };
    const run = await runResourcePolicy(mlEndpointAuthExclusive, { type: ACI_SERVICE, props });
    expect(run.violations.map((v) => v.message)).toEqual([
      "v1 ACI service has key auth (authEnabled) and token auth (aadAuthEnabled) both enabled; ACI supports only key auth: set aadAuthEnabled: false",
    ]);
  });

  it.each(["AMLToken", "AADToken"])("refuses an %s endpoint that carries properties.keys", async (authMode) => {
    const props = { ...tokenEndpoint, properties: { authMode, keys: { primaryKey: unknown.string } } };
    const run = await runResourcePolicy(mlEndpointAuthExclusive, { type: ENDPOINT, props });
    expect(run.violations.map((v) => v.message)).toEqual([
      `OnlineEndpoint uses authMode ${authMode} but sets properties.keys, which only authMode Key uses; ` +
        `remove properties.keys, or set properties.authMode to "Key" to use keys instead of tokens`,
    ]);
  });

  it("is not applicable to other resources", async () => {
    const deployment = await runResourcePolicy(mlEndpointAuthExclusive, {
      type: "azure-native:machinelearningservices:OnlineDeployment",
      props: { properties: { endpointComputeType: "Managed" } },
    });
    expect(deployment.notApplicable?.reason).toMatch(/^applies only to v1 ACI\/AKS web services/);
    const custom = await runResourcePolicy(mlEndpointAuthExclusive, {
      type: "azure-native:machinelearningservices:MachineLearningService",
      props: { computeType: "Custom" },
    });
    expect(custom.notApplicable).toBeDefined();
    expect(custom.violations).toEqual([]);
  });

  it("needs no auth mode when an endpoint carries no keys", async () => {
    const run = await runResourcePolicy(mlEndpointAuthExclusive, { type: ENDPOINT, props: { ...tokenEndpoint, properties: { authMode: unknown.string } } });
    expect(run).toEqual({ violations: [], notApplicable: undefined, previewAdvisory: undefined });
  });

  it("reads a known Key mode first: unknown keys are not waited for", async () => {
    for (const keys of [unknown.object, { primaryKey: unknown.string }]) {
      const props = { ...tokenEndpoint, properties: { authMode: "Key", keys } };
      const run = await runResourcePolicy(mlEndpointAuthExclusive, { type: ENDPOINT, props });
      expect(run).toEqual({ violations: [], notApplicable: undefined, previewAdvisory: undefined });
    }
  });

  it("defers to update when a token endpoint's keys are unknown", async () => {
    const props = { ...tokenEndpoint, properties: { authMode: "AMLToken", keys: unknown.object } };
    const run = await runResourcePolicy(mlEndpointAuthExclusive, { type: ENDPOINT, props });
    expect(run.violations).toEqual([]);
    expect(run.previewAdvisory).toBe(
      "can't run policy 'ml-endpoint-auth-exclusive' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "Object value at .properties.keys can't be known during preview: properties.keys is computed from another " +
        "resource's output; ml-endpoint-auth-exclusive runs at update",
    );
  });

  it("defers to update when an endpoint carries keys and its mode is unknown", async () => {
    const props = { ...tokenEndpoint, properties: { authMode: unknown.string, keys: { primaryKey: "p" } } };
    const run = await runResourcePolicy(mlEndpointAuthExclusive, { type: ENDPOINT, props });
    expect(run.violations).toEqual([]);
    expect(run.previewAdvisory).toMatch(/properties\.authMode is computed from another resource's output; ml-endpoint-auth-exclusive runs at update$/);
  });

  it("passes an ACI service with only aadAuthEnabled: true (one flag; auth-required and token-compute-supported judge it)", async () => {
    const run = await runResourcePolicy(mlEndpointAuthExclusive, { type: ACI_SERVICE, props: { workspaceName: "ws", computeType: "ACI", aadAuthEnabled: true } });
    expect(run).toEqual({ violations: [], notApplicable: undefined, previewAdvisory: undefined });
  });

  it("defers to update when a flag is unknown during preview", async () => {
    const run = await runResourcePolicy(mlEndpointAuthExclusive, {
      type: AKS_SERVICE,
      props: { ...aksTokenService, aadAuthEnabled: unknown.boolean },
    });
    expect(run.violations).toEqual([]);
    expect(run.previewAdvisory).toBe(
      "can't run policy 'ml-endpoint-auth-exclusive' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "boolean value at .aadAuthEnabled can't be known during preview: aadAuthEnabled is computed from another " +
        "resource's output; ml-endpoint-auth-exclusive runs at update",
    );
  });
});
