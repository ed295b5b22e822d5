import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AZURE_POLICY_BUILT_INS, LEARN, mirrorsSentence, mirrorsTag } from "../lib/metadata";
import { settingRule } from "../lib/policyKit";
import { readString, requireKnown, sameText } from "../lib/values";

const builtIn = AZURE_POLICY_BUILT_INS.workspacePublicNetworkDisabled;

/** Workspaces are reached through private endpoints, not the internet. */
export const mlWorkspacePublicNetworkDisabled: ResourceValidationPolicy = settingRule(
  {
    name: "ml-workspace-public-network-disabled",
    description: `An Azure ML workspace disables public network access. ${mirrorsSentence(builtIn)}`,
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps:
      'Set the workspace\'s publicNetworkAccess to "Disabled" and reach it through a private endpoint ' +
      "(or a managed network); Azure treats an unset value as Enabled.",
    url: LEARN.workspacePrivateLink,
    tags: ["azure", "machine-learning", "network", mirrorsTag(builtIn)],
  },
  "mlWorkspace",
  (props, policyName) => {
    const why = "publicNetworkAccess is computed from another resource's output";
    const access = requireKnown(readString(props, ["publicNetworkAccess"]), why, policyName);
    if (access !== undefined && sameText(access, "Disabled")) return undefined;
    const current = access === undefined ? "is not set (Azure treats that as Enabled)" : `is ${JSON.stringify(access)}`;
    return `Workspace publicNetworkAccess ${current}; set publicNetworkAccess: "Disabled" and use a private endpoint`;
  },
);
