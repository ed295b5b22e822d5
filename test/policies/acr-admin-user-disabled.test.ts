import { describe, expect, it } from "vitest";
import { acrAdminUserDisabled } from "../../policies/rules/acr-admin-user-disabled";
import { runResourcePolicy, unknown } from "./policyHarness";

const REGISTRY = "azure-native:containerregistry:Registry";
const registry = { resourceGroupName: "rg", sku: { name: "Premium" } };

describe("acr-admin-user-disabled", () => {
  it("passes a registry with the admin user unset (default off) or off", async () => {
    for (const props of [registry, { ...registry, adminUserEnabled: false }]) {
      expect(await runResourcePolicy(acrAdminUserDisabled, { type: REGISTRY, props })).toEqual({
        violations: [],
        notApplicable: undefined,
        previewAdvisory: undefined,
      });
    }
  });

  it("refuses adminUserEnabled: true", async () => {
    const run = await runResourcePolicy(acrAdminUserDisabled, { type: REGISTRY, props: { ...registry, adminUserEnabled: true } });
    expect(run.violations.map((v) => v.message)).toEqual([
      "Registry sets adminUserEnabled: true, a shared password with push and pull rights; set adminUserEnabled: false and use managed identities",
    ]);
  });

  it("names the Azure Policy built-in it mirrors", () => {
    expect(acrAdminUserDisabled.description).toContain("dc921057-6b28-4fbe-9b83-f7bec05db6c2");
    expect(acrAdminUserDisabled.tags).toContain("azure-policy:dc921057-6b28-4fbe-9b83-f7bec05db6c2");
  });

  it("is not applicable to other resources", async () => {
    const run = await runResourcePolicy(acrAdminUserDisabled, { type: "azure-native:containerregistry:Webhook", props: {} });
    expect(run.notApplicable?.reason).toBe("applies only to azure-native:containerregistry:Registry");
  });

  it("defers to update when the value is unknown", async () => {
    const run = await runResourcePolicy(acrAdminUserDisabled, { type: REGISTRY, props: { ...registry, adminUserEnabled: unknown.boolean } });
    expect(run.previewAdvisory).toBe(
      "can't run policy 'acr-admin-user-disabled' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "boolean value at .adminUserEnabled can't be known during preview: adminUserEnabled is computed from another " +
        "resource's output; acr-admin-user-disabled runs at update",
    );
  });
});
