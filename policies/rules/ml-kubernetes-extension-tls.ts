import type { ResourceValidationPolicy } from "@pulumi/policy";
import { LEARN } from "../lib/metadata";
import { validateKinds } from "../lib/policyKit";
import type { Props } from "../lib/values";
import { asBoolean, readPath, readString, requireKnown, sameText } from "../lib/values";

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

/** The AzureML cluster extension serves scoring over TLS only. */
export const mlKubernetesExtensionTls: ResourceValidationPolicy = {
  name,
  description: "The AzureML Kubernetes extension does not allow insecure (plain HTTP) scoring connections.",
  enforcementLevel: "advisory",
  severity: "high",
  remediationSteps:
    'Set configurationSettings.allowInsecureConnections to "False" (the default) and configure TLS for the inference ' +
    "router as ARM expects it (the CLI's sslSecret and sslCertPemFile/sslKeyPemFile are rewritten by the CLI and do " +
    "nothing over ARM): sslCname with scoringFe.sslSecret (a Kubernetes secret holding cert.pem and key.pem), or " +
    "scoringFe.sslCert and scoringFe.sslKey (base64 PEM) in configurationProtectedSettings.",
  url: LEARN.kubernetesEndpointTls,
  tags: ["azure", "machine-learning", "kubernetes", "tls"],
  validateResource: validateKinds(["clusterExtension"], (props, args, reportViolation) => {
    const why = "extensionType is computed from another resource's output";
    const extensionType = requireKnown(readString(props, ["extensionType"]), why, name);
    if (extensionType === undefined || !sameText(extensionType, AZUREML_EXTENSION_TYPE)) {
      return args.notApplicable(`applies only to extensions of type ${AZUREML_EXTENSION_TYPE}`);
    }
    for (const settingsMap of SETTINGS_MAPS) {
      const insecure = insecureSetting(props, settingsMap);
      if (insecure !== undefined) {
        reportViolation(
          `AzureML extension sets ${settingsMap}.allowInsecureConnections to ${JSON.stringify(insecure)}, so scoring requests and their keys ` +
            `or tokens cross the network in plain HTTP; set it to "False" and configure TLS (sslCname with scoringFe.sslSecret, ` +
            `or scoringFe.sslCert and scoringFe.sslKey)`,
        );
      }
    }
  }),
};
