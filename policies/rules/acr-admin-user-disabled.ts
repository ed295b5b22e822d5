import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AZURE_POLICY_BUILT_INS, LEARN, mirrorsSentence, mirrorsTag } from "../lib/metadata";
import { settingRule } from "../lib/policyKit";
import { readBoolean, requireKnown } from "../lib/values";

const builtIn = AZURE_POLICY_BUILT_INS.registryAdminAccountDisabled;

/** Image pulls and pushes use identities, not the registry's shared admin password. */
export const acrAdminUserDisabled: ResourceValidationPolicy = settingRule(
  {
    name: "acr-admin-user-disabled",
    description: `A container registry keeps its local admin user disabled. ${mirrorsSentence(builtIn)}`,
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps:
      "Set adminUserEnabled: false (the default) and give the workspace and clusters AcrPull/AcrPush through managed identities.",
    url: LEARN.registryAdminAccount,
    tags: ["azure", "container-registry", "authentication", mirrorsTag(builtIn)],
  },
  "containerRegistry",
  (props, policyName) => {
    const why = "adminUserEnabled is computed from another resource's output";
    if (requireKnown(readBoolean(props, ["adminUserEnabled"]), why, policyName) !== true) return undefined;
    return "Registry sets adminUserEnabled: true, a shared password with push and pull rights; set adminUserEnabled: false and use managed identities";
  },
);
