import { describe, expect, it } from "vitest";
import { storageNoPublicBlobAccess } from "../../policies/rules/storage-no-public-blob-access";
import { runResourcePolicy, unknown } from "./policyHarness";

const STORAGE = "azure-native:storage:StorageAccount";
const account = { resourceGroupName: "rg", kind: "StorageV2", sku: { name: "Standard_LRS" }, allowBlobPublicAccess: false };

describe("storage-no-public-blob-access", () => {
  it("passes an account that disallows public blob access", async () => {
    expect(await runResourcePolicy(storageNoPublicBlobAccess, { type: STORAGE, props: account })).toEqual({
      violations: [],
      notApplicable: undefined,
      previewAdvisory: undefined,
    });
  });

  it("refuses true and unset (as the built-in does)", async () => {
    const allowed = await runResourcePolicy(storageNoPublicBlobAccess, { type: STORAGE, props: { ...account, allowBlobPublicAccess: true } });
    expect(allowed.violations.map((v) => v.message)).toEqual(["StorageAccount sets allowBlobPublicAccess: true; set allowBlobPublicAccess: false"]);
    const { allowBlobPublicAccess: _unset, ...defaults } = account;
    const unset = await runResourcePolicy(storageNoPublicBlobAccess, { type: STORAGE, props: defaults });
    expect(unset.violations.map((v) => v.message)).toEqual([
      "StorageAccount does not set allowBlobPublicAccess (its default depends on the API version); set allowBlobPublicAccess: false",
    ]);
  });

  it("names the Azure Policy built-in it mirrors", () => {
    expect(storageNoPublicBlobAccess.description).toContain("4fa4b6c0-31ca-4c0d-b10d-24b96f62a751");
    expect(storageNoPublicBlobAccess.tags).toContain("azure-policy:4fa4b6c0-31ca-4c0d-b10d-24b96f62a751");
  });

  it("is not applicable to other resources", async () => {
    const run = await runResourcePolicy(storageNoPublicBlobAccess, { type: "azure-native:storage:BlobContainer", props: { publicAccess: "Blob" } });
    expect(run.notApplicable?.reason).toBe("applies only to azure-native:storage:StorageAccount");
  });

  it("defers to update when the value is unknown", async () => {
    const run = await runResourcePolicy(storageNoPublicBlobAccess, { type: STORAGE, props: { ...account, allowBlobPublicAccess: unknown.boolean } });
    expect(run.previewAdvisory).toBe(
      "can't run policy 'storage-no-public-blob-access' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "boolean value at .allowBlobPublicAccess can't be known during preview: allowBlobPublicAccess is computed from " +
        "another resource's output; storage-no-public-blob-access runs at update",
    );
  });
});
