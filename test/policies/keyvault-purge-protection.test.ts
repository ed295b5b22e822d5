import { describe, expect, it } from "vitest";
import { keyvaultPurgeProtection } from "../../policies/rules/keyvault-purge-protection";
import { runResourcePolicy, unknown } from "./policyHarness";

const VAULT = "azure-native:keyvault:Vault";
const vault = {
  resourceGroupName: "rg",
  vaultName: "kv",
  properties: { tenantId: "t", sku: { family: "A", name: "standard" }, enableRbacAuthorization: true, enablePurgeProtection: true },
};

describe("keyvault-purge-protection", () => {
  it("passes a vault with purge protection (soft delete on by default)", async () => {
    expect(await runResourcePolicy(keyvaultPurgeProtection, { type: VAULT, props: vault })).toEqual({
      violations: [],
      notApplicable: undefined,
      previewAdvisory: undefined,
    });
  });

  it("refuses a vault without purge protection", async () => {
    const { enablePurgeProtection: _unset, ...defaults } = vault.properties;
    const run = await runResourcePolicy(keyvaultPurgeProtection, { type: VAULT, props: { ...vault, properties: defaults } });
    expect(run.violations.map((v) => v.message)).toEqual([
      "Vault does not enable purge protection, so a deleted vault and its secrets can be purged at once; set properties.enablePurgeProtection: true",
    ]);
  });

  it("refuses a vault that turns soft delete off", async () => {
    const run = await runResourcePolicy(keyvaultPurgeProtection, { type: VAULT, props: { ...vault, properties: { ...vault.properties, enableSoftDelete: false } } });
    expect(run.violations.map((v) => v.message)).toEqual([
      "Vault sets properties.enableSoftDelete: false, so deleted vaults cannot be recovered and purge protection cannot apply; remove it and set properties.enablePurgeProtection: true",
    ]);
  });

  it("names the Azure Policy built-in it mirrors", () => {
    expect(keyvaultPurgeProtection.description).toContain("0b60c0b2-2dc2-4e1c-b5c9-abbed971de53");
    expect(keyvaultPurgeProtection.tags).toContain("azure-policy:0b60c0b2-2dc2-4e1c-b5c9-abbed971de53");
  });

  it("is not applicable to other resources", async () => {
    const run = await runResourcePolicy(keyvaultPurgeProtection, { type: "azure-native:keyvault:Secret", props: {} });
    expect(run.notApplicable?.reason).toBe("applies only to azure-native:keyvault:Vault");
  });

  it("defers to update when the value is unknown", async () => {
    const run = await runResourcePolicy(keyvaultPurgeProtection, { type: VAULT, props: { ...vault, properties: { ...vault.properties, enablePurgeProtection: unknown.boolean } } });
    expect(run.previewAdvisory).toBe(
      "can't run policy 'keyvault-purge-protection' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "boolean value at .properties.enablePurgeProtection can't be known during preview: properties.enablePurgeProtection " +
        "is computed from another resource's output; keyvault-purge-protection runs at update",
    );
  });
});
