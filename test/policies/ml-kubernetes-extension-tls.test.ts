import { describe, expect, it } from "vitest";
import { mlKubernetesExtensionTls } from "../../policies/rules/ml-kubernetes-extension-tls";
import { runResourcePolicy, unknown } from "./policyHarness";

const EXTENSION = "azure-native:kubernetesconfiguration:Extension";

const azureMlExtension = {
  resourceGroupName: "rg",
  clusterRp: "Microsoft.ContainerService",
  clusterResourceName: "managedClusters",
  clusterName: "aks",
  extensionName: "azureml",
  extensionType: "Microsoft.AzureML.Kubernetes",
  configurationSettings: {
    enableInference: "True",
    inferenceRouterServiceType: "LoadBalancer",
    allowInsecureConnections: "False",
    sslCname: "scoring.example.com",
    sslSecret: "azureml-tls",
  },
};

describe("ml-kubernetes-extension-tls", () => {
  it("passes an AzureML extension that keeps TLS, and one that leaves the setting at its default", async () => {
    expect(await runResourcePolicy(mlKubernetesExtensionTls, { type: EXTENSION, props: azureMlExtension })).toEqual({
      violations: [],
      notApplicable: undefined,
      previewAdvisory: undefined,
    });
    const { allowInsecureConnections: _unset, ...defaults } = azureMlExtension.configurationSettings;
    expect((await runResourcePolicy(mlKubernetesExtensionTls, { type: EXTENSION, props: { ...azureMlExtension, configurationSettings: defaults } })).violations).toEqual([]);
  });

  it('refuses allowInsecureConnections "True"', async () => {
    const props = { ...azureMlExtension, configurationSettings: { ...azureMlExtension.configurationSettings, allowInsecureConnections: "True" } };
    const run = await runResourcePolicy(mlKubernetesExtensionTls, { type: EXTENSION, props });
    expect(run.violations.map((v) => v.message)).toEqual([
      'AzureML extension sets configurationSettings.allowInsecureConnections to "True", so scoring requests and their keys ' +
        'or tokens cross the network in plain HTTP; set it to "False" and configure TLS (sslCname with scoringFe.sslSecret, ' +
        "or scoringFe.sslCert and scoringFe.sslKey)",
    ]);
  });

  it("refuses the setting in the protected settings too", async () => {
    const props = { ...azureMlExtension, configurationProtectedSettings: { allowInsecureConnections: "true" } };
    const run = await runResourcePolicy(mlKubernetesExtensionTls, { type: EXTENSION, props });
    expect(run.violations.map((v) => v.message)).toEqual([
      'AzureML extension sets configurationProtectedSettings.allowInsecureConnections to "true", so scoring requests and their keys ' +
        'or tokens cross the network in plain HTTP; set it to "False" and configure TLS (sslCname with scoringFe.sslSecret, ' +
        "or scoringFe.sslCert and scoringFe.sslKey)",
    ]);
  });

  it("is not applicable to other extensions and other resources", async () => {
    const flux = await runResourcePolicy(mlKubernetesExtensionTls, {
      type: EXTENSION,
      props: { ...azureMlExtension, extensionType: "microsoft.flux", configurationSettings: { allowInsecureConnections: "True" } },
    });
    expect(flux).toEqual({ violations: [], notApplicable: { reason: "applies only to extensions of type Microsoft.AzureML.Kubernetes" }, previewAdvisory: undefined });
    const cluster = await runResourcePolicy(mlKubernetesExtensionTls, { type: "azure-native:containerservice:ManagedCluster", props: {} });
    expect(cluster.notApplicable?.reason).toBe("applies only to azure-native:kubernetesconfiguration:Extension");
  });

  it("defers to update when the setting is unknown", async () => {
    const props = { ...azureMlExtension, configurationSettings: { ...azureMlExtension.configurationSettings, allowInsecureConnections: unknown.string } };
    const run = await runResourcePolicy(mlKubernetesExtensionTls, { type: EXTENSION, props });
    expect(run.previewAdvisory).toBe(
      "can't run policy 'ml-kubernetes-extension-tls' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "string value at .configurationSettings.allowInsecureConnections can't be known during preview: " +
        "configurationSettings.allowInsecureConnections is computed from another resource's output; ml-kubernetes-extension-tls runs at update",
    );
  });
});
