import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AZURE_POLICY_BUILT_INS, LEARN, mirrorsSentence, mirrorsTag } from "../lib/metadata";
import { settingRule } from "../lib/policyKit";
import { readBoolean, requireKnown } from "../lib/values";

const builtIn = AZURE_POLICY_BUILT_INS.storagePublicAccessDisallowed;

/** No anonymous reads of the workspace's blobs (models, data, logs). */
export const storageNoPublicBlobAccess: ResourceValidationPolicy = settingRule(
  {
    name: "storage-no-public-blob-access",
    description: `A storage account disallows anonymous public blob access. ${mirrorsSentence(builtIn)}`,
    enforcementLevel: "advisory",
    severity: "high",
    remediationSteps:
      "Set allowBlobPublicAccess: false on the storage account explicitly (its default depends on the API version) " +
      "and grant access through identities and private endpoints.",
    url: LEARN.storageAnonymousAccess,
    tags: ["azure", "storage", "network", mirrorsTag(builtIn)],
  },
  "storageAccount",
  (props, policyName) => {
    const why = "allowBlobPublicAccess is computed from another resource's output";
    const allowed = requireKnown(readBoolean(props, ["allowBlobPublicAccess"]), why, policyName);
    if (allowed === false) return undefined;
    const current =
      allowed === undefined ? "does not set allowBlobPublicAccess (its default depends on the API version)" : "sets allowBlobPublicAccess: true";
    return `StorageAccount ${current}; set allowBlobPublicAccess: false`;
  },
);
