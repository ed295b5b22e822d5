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
    "scoringFe.sslSecret": "azureml-tls",
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

  // what the CLI sends over ARM for TLS: azure-cli-extensions src/k8s-extension/azext_k8s_extension/partner_extensions/AzureMLKubernetes.py
  it.each([
    ["only the CLI-facing sslSecret", { sslCname: "scoring.example.com", sslSecret: "azureml-tls" }, {}, "scoringFe.sslSecret (or scoringFe.sslCert and scoringFe.sslKey in configurationProtectedSettings)"],
    ["no sslCname", { "scoringFe.sslSecret": "azureml-tls" }, {}, "sslCname"],
    ["only the CLI-facing PEM files", { sslCname: "scoring.example.com" }, { sslCertPemFile: "cert.pem", sslKeyPemFile: "key.pem" }, "scoringFe.sslSecret (or scoringFe.sslCert and scoringFe.sslKey in configurationProtectedSettings)"],
  ] as const)("refuses TLS given with %s, which ARM does not take", async (_case, tls, protectedSettings, missing) => {
    const props = {
      ...azureMlExtension,
      configurationSettings: { enableInference: "True", inferenceRouterServiceType: "LoadBalancer", allowInsecureConnections: "False", ...tls },
      configurationProtectedSettings: protectedSettings,
    };
    const run = await runResourcePolicy(mlKubernetesExtensionTls, { type: EXTENSION, props });
    expect(run.violations.map((v) => v.message)).toEqual([
      `AzureML extension serves inference over TLS but lacks ${missing}, so TLS is not configured as ARM takes it and the extension ` +
        `fails its health check; the CLI-facing sslSecret and sslCertPemFile/sslKeyPemFile are rewritten by az k8s-extension create and do nothing over ARM`,
    ]);
  });

  it("passes TLS given as ARM takes it: the certificate in protected settings, or a secret that is still unknown", async () => {
    const pem = {
      ...azureMlExtension,
      configurationSettings: { enableInference: "True", allowInsecureConnections: "False", sslCname: "scoring.example.com" },
      configurationProtectedSettings: { "scoringFe.sslCert": "LS0t", "scoringFe.sslKey": "LS0t" },
    };
    expect((await runResourcePolicy(mlKubernetesExtensionTls, { type: EXTENSION, props: pem })).violations).toEqual([]);
    const pending = { ...azureMlExtension, configurationSettings: { ...azureMlExtension.configurationSettings, "scoringFe.sslSecret": unknown.string } };
    expect(await runResourcePolicy(mlKubernetesExtensionTls, { type: EXTENSION, props: pending })).toEqual({ violations: [], notApplicable: undefined, previewAdvisory: undefined });
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
