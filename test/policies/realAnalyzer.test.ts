import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyAnalyzer, type AnalyzeDiagnostic, type AnalyzerResource } from "../../plan/analyzer";
import { loadPolicyPackConfig, reconcilePolicyConfig } from "../../plan/policyEvaluation";
import { PROJECT_DIR } from "../harness/stackRun";

// The pack spawned exactly as `pulumi preview --policy-pack policies` spawns it, called over gRPC.
const packDir = path.join(PROJECT_DIR, "policies");
const analyzer = new PolicyAnalyzer({ packDir });
beforeAll(async () => {
  await analyzer.start();
  const info = await analyzer.getAnalyzerInfo();
  await analyzer.configure(reconcilePolicyConfig(info, loadPolicyPackConfig(path.join(packDir, "config", "prod.json"))));
});
afterAll(() => analyzer.shutdown());

function resource(type: string, name: string, properties: AnalyzerResource["properties"]): AnalyzerResource {
  return { urn: `urn:pulumi:prod::legacy::${type}::${name}`, type, name, properties, options: { protect: false } };
}

const summary = (diagnostics: AnalyzeDiagnostic[]) => diagnostics.map((d) => [d.policyName, d.enforcementLevel]);

describe("the aml-auth-guard analyzer process", () => {
  it("describes every policy with its default level", async () => {
    const info = await analyzer.getAnalyzerInfo();
    expect(info.name).toBe("aml-auth-guard");
    expect(Object.fromEntries(info.policies.map((p) => [p.name, p.enforcementLevel]))).toEqual({
      "ml-endpoint-auth-exclusive": "mandatory",
      "ml-endpoint-auth-required": "mandatory",
      "ml-endpoint-token-compute-supported": "mandatory",
      "ml-endpoint-token-same-region": "mandatory",
      "ml-endpoint-allowed-auth-modes": "mandatory",
      "ml-kubernetes-extension-tls": "advisory",
      "ml-workspace-public-network-disabled": "advisory",
      "ml-workspace-no-v1-legacy-mode": "advisory",
      "ml-compute-local-auth-disabled": "advisory",
      "storage-no-public-blob-access": "advisory",
      "acr-admin-user-disabled": "advisory",
      "keyvault-purge-protection": "advisory",
    });
  });

  it("refuses a key endpoint under the prod config, which allows only token modes", async () => {
    const diagnostics = await analyzer.analyze(
      resource("azure-native:machinelearningservices:OnlineEndpoint", "scoring", { properties: { authMode: "Key" }, workspaceName: "mlw" }),
    );
    expect(summary(diagnostics)).toEqual([["ml-endpoint-allowed-auth-modes", "mandatory"]]);
    expect(diagnostics[0]?.message).toContain(`OnlineEndpoint uses authMode "Key", which is not allowed here (allowed: AMLToken, AADToken)`);
  });

  it("refuses a legacy v1 AKS web service with key and token auth both on", async () => {
    const diagnostics = await analyzer.analyze(
      resource("azure-native:machinelearningservices/v20210401:AKSService", "legacy", {
        computeType: "AKS",
        authEnabled: true,
        aadAuthEnabled: true,
      }),
    );
    expect(summary(diagnostics)).toContainEqual(["ml-endpoint-auth-exclusive", "mandatory"]);
  });

  it("makes an insecure AzureML extension mandatory in prod", async () => {
    const diagnostics = await analyzer.analyze(
      resource("azure-native:kubernetesconfiguration:Extension", "azureml", {
        extensionType: "Microsoft.AzureML.Kubernetes",
        configurationSettings: { enableInference: "True", allowInsecureConnections: "True" },
      }),
    );
    expect(summary(diagnostics)).toEqual([["ml-kubernetes-extension-tls", "mandatory"]]);
  });

  it("passes a managed endpoint with Entra ID tokens", async () => {
    const diagnostics = await analyzer.analyze(
      resource("azure-native:machinelearningservices:OnlineEndpoint", "scoring", { properties: { authMode: "AADToken" }, workspaceName: "mlw" }),
    );
    expect(diagnostics).toEqual([]);
  });
});
