import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AZURE_POLICY_BUILT_INS, LEARN } from "../lib/metadata";
import { settingRule } from "../lib/policyKit";
import { readBoolean, requireKnown } from "../lib/values";

const opposite = AZURE_POLICY_BUILT_INS.workspaceEnableV1LegacyMode;

/** v1 legacy mode keeps a workspace on the retired v1 API surface and off v2 endpoints. */
export const mlWorkspaceNoV1LegacyMode: ResourceValidationPolicy = settingRule(
  {
    name: "ml-workspace-no-v1-legacy-mode",
    description:
      "An Azure ML workspace does not enable v1 legacy mode. No Azure Policy built-in mirrors this rule; " +
      `built-in ${opposite.id} audits the opposite (workspaces without v1LegacyMode).`,
    enforcementLevel: "advisory",
    severity: "low",
    remediationSteps:
      "Remove v1LegacyMode (or set it to false): v1 legacy mode keeps the workspace on the v1 API, whose SDK and CLI " +
      "support has ended, and blocks the v2 features online endpoints use. Secure the workspace with private " +
      "endpoints or a managed network instead.",
    url: LEARN.v1LegacyMode,
    tags: ["azure", "machine-learning", "legacy"],
  },
  "mlWorkspace",
  (props, policyName) => {
    const why = "v1LegacyMode is computed from another resource's output";
    if (requireKnown(readBoolean(props, ["v1LegacyMode"]), why, policyName) !== true) return undefined;
    return "Workspace sets v1LegacyMode: true, which keeps it on the retired v1 API and off v2 features; remove v1LegacyMode or set it to false";
  },
);
