import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AZURE_POLICY_BUILT_INS, LEARN, mirrorsSentence, mirrorsTag } from "../lib/metadata";
import { settingRule } from "../lib/policyKit";
import { readBoolean, requireKnown } from "../lib/values";

const builtIn = AZURE_POLICY_BUILT_INS.keyVaultDeletionProtection;

/** The workspace's key vault cannot be purged by mistake or by an insider. */
export const keyvaultPurgeProtection: ResourceValidationPolicy = settingRule(
  {
    name: "keyvault-purge-protection",
    description: `A key vault has soft delete and purge protection enabled. ${mirrorsSentence(builtIn)}`,
    enforcementLevel: "advisory",
    severity: "medium",
    remediationSteps:
      "Set properties.enablePurgeProtection: true (irreversible) and keep soft delete on (do not set " +
      "properties.enableSoftDelete: false); purge protection works only with soft delete.",
    url: LEARN.keyVaultPurgeProtection,
    tags: ["azure", "key-vault", "data-protection", mirrorsTag(builtIn)],
  },
  "keyVault",
  (props, policyName) => {
    const softDeleteWhy = "properties.enableSoftDelete is computed from another resource's output";
    const softDelete = requireKnown(readBoolean(props, ["properties", "enableSoftDelete"]), softDeleteWhy, policyName);
    if (softDelete === false) {
      return "Vault sets properties.enableSoftDelete: false, so deleted vaults cannot be recovered and purge protection cannot apply; remove it and set properties.enablePurgeProtection: true";
    }
    const purgeWhy = "properties.enablePurgeProtection is computed from another resource's output";
    if (requireKnown(readBoolean(props, ["properties", "enablePurgeProtection"]), purgeWhy, policyName) === true) return undefined;
    return "Vault does not enable purge protection, so a deleted vault and its secrets can be purged at once; set properties.enablePurgeProtection: true";
  },
);
