import { describe, expect, it } from "vitest";
import {
  createMlEndpointAllowedAuthModes,
  mlEndpointAllowedAuthModes,
} from "../../policies/rules/ml-endpoint-allowed-auth-modes";
import { runResourcePolicy, unknown } from "./policyHarness";

const ENDPOINT = "azure-native:machinelearningservices:OnlineEndpoint";
const AKS_SERVICE = "azure-native:machinelearningservices/v20210401:AKSService";
const ACI_SERVICE = "azure-native:machinelearningservices/v20210401:ACIService";
const prodConfig = { enforcementLevel: "mandatory", allowedAuthModes: ["AMLToken", "AADToken"] };

function endpoint(authMode: string): { type: string; props: Record<string, unknown> } {
  return { type: ENDPOINT, props: { workspaceName: "ws", properties: { authMode } } };
}

describe("ml-endpoint-allowed-auth-modes", () => {
  it("allows every mode when the config gives none", async () => {
    for (const mode of ["Key", "AMLToken", "AADToken"]) {
      expect(await runResourcePolicy(mlEndpointAllowedAuthModes, endpoint(mode), { config: {} })).toEqual({
        violations: [],
        notApplicable: undefined,
        previewAdvisory: undefined,
      });
    }
  });

  it("passes token endpoints under the production list", async () => {
    for (const mode of ["AMLToken", "AADToken"]) {
      expect((await runResourcePolicy(mlEndpointAllowedAuthModes, endpoint(mode), { config: prodConfig })).violations).toEqual([]);
    }
  });

  it("refuses a Key endpoint under the production list", async () => {
    const run = await runResourcePolicy(mlEndpointAllowedAuthModes, endpoint("Key"), { config: prodConfig });
    expect(run.violations.map((v) => v.message)).toEqual([
      'OnlineEndpoint uses authMode "Key", which is not allowed here (allowed: AMLToken, AADToken); set properties.authMode to one of them',
    ]);
  });

  it("refuses an unrecognised mode even when every mode is allowed", async () => {
    const run = await runResourcePolicy(mlEndpointAllowedAuthModes, endpoint("None"));
    expect(run.violations.map((v) => v.message)).toEqual([
      'OnlineEndpoint uses authMode "None", which is not allowed here (allowed: Key, AMLToken, AADToken); set properties.authMode to one of them',
    ]);
  });

  it("maps v1 key auth (AKS default) to Key and v1 token auth to AMLToken", async () => {
    const keyByDefault = await runResourcePolicy(
      mlEndpointAllowedAuthModes,
      { type: AKS_SERVICE, props: { computeType: "AKS", computeName: "aks" } },
      { config: prodConfig },
    );
    expect(keyByDefault.violations.map((v) => v.message)).toEqual([
      "v1 AKS web service uses key auth (authEnabled, on by default for AKS), i.e. auth mode Key, which is not allowed here " +
        "(allowed: AMLToken, AADToken); migrate it to an online endpoint with an allowed authMode",
    ]);
    const token = await runResourcePolicy(
      mlEndpointAllowedAuthModes,
      { type: AKS_SERVICE, props: { computeType: "AKS", authEnabled: false, aadAuthEnabled: true } },
      { config: { allowedAuthModes: ["Key", "AADToken"] } },
    );
    expect(token.violations.map((v) => v.message)).toEqual([
      "v1 AKS web service uses token auth (aadAuthEnabled), i.e. auth mode AMLToken, which is not allowed here " +
        "(allowed: Key, AADToken); migrate it to an online endpoint with an allowed authMode",
    ]);
    const aciKeys = await runResourcePolicy(
      mlEndpointAllowedAuthModes,
      { type: ACI_SERVICE, props: { computeType: "ACI", authEnabled: true } },
      { config: prodConfig },
    );
    expect(aciKeys.violations.map((v) => v.message)).toEqual([
      "v1 ACI web service uses key auth (authEnabled), i.e. auth mode Key, which is not allowed here " +
        "(allowed: AMLToken, AADToken); migrate it to an online endpoint with an allowed authMode",
    ]);
  });

  it("refuses an ACI service with only aadAuthEnabled: true: ACI ignores tokens, so it has no mode (not AMLToken)", async () => {
    const tokenOnlyAci = { type: ACI_SERVICE, props: { computeType: "ACI", aadAuthEnabled: true } };
    const prod = await runResourcePolicy(mlEndpointAllowedAuthModes, tokenOnlyAci, { config: prodConfig });
    expect(prod.violations.map((v) => v.message)).toEqual([
      "v1 ACI web service sets only token auth (aadAuthEnabled: true), which ACI ignores, so it has no auth mode (anonymous), " +
        "which is not allowed here (allowed: AMLToken, AADToken); migrate it to an online endpoint with an allowed authMode",
    ]);
    expect(prod.previewAdvisory).toBeUndefined();
    const everyMode = await runResourcePolicy(mlEndpointAllowedAuthModes, { ...tokenOnlyAci, props: { ...tokenOnlyAci.props, authEnabled: false } });
    expect(everyMode.violations.map((v) => v.message)).toEqual([
      "v1 ACI web service sets only token auth (aadAuthEnabled: true), which ACI ignores, so it has no auth mode (anonymous), " +
        "which is not allowed here (allowed: Key, AMLToken, AADToken); set authEnabled: true for key auth, or migrate it to " +
        "an online endpoint with an allowed authMode",
    ]);
  });

  it("counts an ACI service with keys and the ignored token flag as Key only", async () => {
    const both = { type: ACI_SERVICE, props: { computeType: "ACI", authEnabled: true, aadAuthEnabled: true } };
    expect((await runResourcePolicy(mlEndpointAllowedAuthModes, both, { config: { allowedAuthModes: ["Key", "AADToken"] } })).violations).toEqual([]);
    const prod = await runResourcePolicy(mlEndpointAllowedAuthModes, both, { config: prodConfig });
    expect(prod.violations.map((v) => v.message)).toEqual([
      "v1 ACI web service uses key auth (authEnabled), i.e. auth mode Key, which is not allowed here " +
        "(allowed: AMLToken, AADToken); migrate it to an online endpoint with an allowed authMode",
    ]);
  });

  it("uses the default given to the factory when the config gives none, and the config over it", async () => {
    const tokenOnly = createMlEndpointAllowedAuthModes(["AMLToken"]);
    expect((await runResourcePolicy(tokenOnly, endpoint("AADToken"))).violations.map((v) => v.message)).toEqual([
      'OnlineEndpoint uses authMode "AADToken", which is not allowed here (allowed: AMLToken); set properties.authMode to one of them',
    ]);
    expect((await runResourcePolicy(tokenOnly, endpoint("AADToken"), { config: { allowedAuthModes: ["AADToken"] } })).violations).toEqual([]);
  });

  it("declares its setting in the config schema with the full default", () => {
    expect(mlEndpointAllowedAuthModes.configSchema?.properties.allowedAuthModes).toMatchObject({
      type: "array",
      items: { type: "string", enum: ["Key", "AMLToken", "AADToken"] },
      default: ["Key", "AMLToken", "AADToken"],
    });
  });

  it("fails loudly on an invalid configured list", async () => {
    await expect(runResourcePolicy(mlEndpointAllowedAuthModes, endpoint("Key"), { config: { allowedAuthModes: ["Token"] } })).rejects.toThrow(
      'ml-endpoint-allowed-auth-modes: allowedAuthModes contains "Token"; valid modes are "Key", "AMLToken", "AADToken"',
    );
    await expect(runResourcePolicy(mlEndpointAllowedAuthModes, endpoint("Key"), { config: { allowedAuthModes: [] } })).rejects.toThrow(
      "allowedAuthModes must be a non-empty list",
    );
  });

  it("is not applicable to other resources", async () => {
    const run = await runResourcePolicy(mlEndpointAllowedAuthModes, { type: "azure-native:keyvault:Vault", props: {} });
    expect(run.notApplicable?.reason).toMatch(/^applies only to v1 ACI\/AKS web services/);
  });

  it("defers to update when the auth mode is unknown", async () => {
    const run = await runResourcePolicy(mlEndpointAllowedAuthModes, endpoint(unknown.string), { config: prodConfig });
    expect(run.previewAdvisory).toBe(
      "can't run policy 'ml-endpoint-allowed-auth-modes' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "string value at .properties.authMode can't be known during preview: properties.authMode is computed from " +
        "another resource's output; ml-endpoint-allowed-auth-modes runs at update",
    );
  });
});
