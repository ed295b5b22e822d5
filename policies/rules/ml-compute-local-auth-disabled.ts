import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AZURE_POLICY_BUILT_INS, LEARN, mirrorsSentence, mirrorsTag } from "../lib/metadata";
import { settingRule } from "../lib/policyKit";
import { readBoolean, requireKnown } from "../lib/values";

const builtIn = AZURE_POLICY_BUILT_INS.computeLocalAuthDisabled;

/** Computes accept Entra ID identities only. */
export const mlComputeLocalAuthDisabled: ResourceValidationPolicy = settingRule(
  {
    name: "ml-compute-local-auth-disabled",
    description: `An Azure ML compute disables local authentication. ${mirrorsSentence(builtIn)}`,
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps:
      "Set properties.disableLocalAuth: true on the compute so that only Microsoft Entra ID identities can use it.",
    url: LEARN.computeLocalAuth,
    tags: ["azure", "machine-learning", "authentication", mirrorsTag(builtIn)],
  },
  "mlCompute",
  (props, policyName) => {
    const why = "properties.disableLocalAuth is computed from another resource's output";
    const disabled = requireKnown(readBoolean(props, ["properties", "disableLocalAuth"]), why, policyName);
    if (disabled === true) return undefined;
    const current = disabled === undefined ? "does not set properties.disableLocalAuth" : "sets properties.disableLocalAuth: false";
    return `Compute ${current}, so local (key) authentication stays enabled; set properties.disableLocalAuth: true`;
  },
);
