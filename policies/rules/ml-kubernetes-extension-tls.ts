import type { ResourceValidationPolicy } from "@pulumi/policy";
import { LEARN } from "../lib/metadata";
import { validateKinds } from "../lib/policyKit";
import type { Props } from "../lib/values";
import { asBoolean, isPresent, readBoolean, readPath, readString, requireKnown, sameText } from "../lib/values";

const name = "ml-kubernetes-extension-tls";

const AZUREML_EXTENSION_TYPE = "Microsoft.AzureML.Kubernetes";

/** Where the extension may carry the setting: plain or protected configuration settings. */
const SETTINGS_MAPS = ["configurationSettings", "configurationProtectedSettings"] as const;

/** The setting as written when it allows insecure connections ("True", true, "true"), else undefined. */
function insecureSetting(props: Props, settingsMap: (typeof SETTINGS_MAPS)[number]): unknown {
  const why = `${settingsMap}.allowInsecureConnections is computed from another resource's output`;
  const value = requireKnown(readPath(props, [settingsMap, "allowInsecureConnections"]), why, name);
  return asBoolean(value) === true ? value : undefined;
}

/**
 * What TLS lacks as ARM takes it. `az k8s-extension create` turns sslSecret into scoringFe.sslSecret and
 * the PEM files into scoringFe.sslCert/scoringFe.sslKey, and requires sslCname (azure-cli-extensions
 * src/k8s-extension/azext_k8s_extension/partner_extensions/AzureMLKubernetes.py); over ARM nobody does.
 */
function missingTlsSettings(props: Props): string[] {
  const present = (settingsMap: (typeof SETTINGS_MAPS)[number], key: string) => isPresent(readPath(props, [settingsMap, key]));
  const anywhere = (key: string) => SETTINGS_MAPS.some((settingsMap) => present(settingsMap, key));
  const missing: string[] = [];
  if (!anywhere("sslCname")) missing.push("sslCname");
  const pem = present("configurationProtectedSettings", "scoringFe.sslCert") && present("configurationProtectedSettings", "scoringFe.sslKey");
  if (!anywhere("scoringFe.sslSecret") && !pem) missing.push("scoringFe.sslSecret (or scoringFe.sslCert and scoringFe.sslKey in configurationProtectedSettings)");
  return missing;
}

/** The AzureML cluster extension serves scoring over TLS only, configured as ARM takes it. */
export const mlKubernetesExtensionTls: ResourceValidationPolicy = {
  name,
  description: "The AzureML Kubernetes extension does not allow insecure (plain HTTP) scoring connections, and configures TLS as ARM takes it.",
  enforcementLevel: "advisory",
  severity: "high",
  remediationSteps:
    'Set configurationSettings.allowInsecureConnections to "False" (the default) and configure TLS for the inference ' +
    "router as ARM expects it (the CLI's sslSecret and sslCertPemFile/sslKeyPemFile are rewritten by the CLI and do " +
    "nothing over ARM): sslCname with scoringFe.sslSecret (a Kubernetes secret holding cert.pem and key.pem), or " +
    "scoringFe.sslCert and scoringFe.sslKey (base64 PEM) in configurationProtectedSettings.",
  url: LEARN.kubernetesEndpointTls,
  tags: ["azure", "machine-learning", "kubernetes", "tls"],
  validateResource: validateKinds(name, ["clusterExtension"], (props, args, reportViolation) => {
    const why = "extensionType is computed from another resource's output";
    const extensionType = requireKnown(readString(props, ["extensionType"]), why, name);
    if (extensionType === undefined || !sameText(extensionType, AZUREML_EXTENSION_TYPE)) {
      return args.notApplicable(`applies only to extensions of type ${AZUREML_EXTENSION_TYPE}`);
    }
    let insecureAllowed = false;
    for (const settingsMap of SETTINGS_MAPS) {
      const insecure = insecureSetting(props, settingsMap);
      if (insecure !== undefined) {
        insecureAllowed = true;
        reportViolation(
          `AzureML extension sets ${settingsMap}.allowInsecureConnections to ${JSON.stringify(insecure)}, so scoring requests and their keys ` +
            `or tokens cross the network in plain HTTP; set it to "False" and configure TLS (sslCname with scoringFe.sslSecret, ` +
            `or scoringFe.sslCert and scoringFe.sslKey)`,
        );
      }
    }
    const inference = requireKnown(readBoolean(props, ["configurationSettings", "enableInference"]), "configurationSettings.enableInference is computed from another resource's output", name);
    if (insecureAllowed || inference !== true) return;
    const missing = missingTlsSettings(props);
    if (missing.length > 0) {
      reportViolation(
        `AzureML extension serves inference over TLS but lacks ${missing.join(" and ")}, so TLS is not configured as ARM takes it and the extension ` +
          `fails its health check; the CLI-facing sslSecret and sslCertPemFile/sslKeyPemFile are rewritten by az k8s-extension create and do nothing over ARM`,
      );
    }
  }),
};
