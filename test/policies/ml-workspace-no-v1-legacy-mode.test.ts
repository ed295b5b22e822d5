import { describe, expect, it } from "vitest";
import { mlWorkspaceNoV1LegacyMode } from "../../policies/rules/ml-workspace-no-v1-legacy-mode";
import { runResourcePolicy, unknown } from "./policyHarness";

const WORKSPACE = "azure-native:machinelearningservices/v20240401:Workspace";
const workspace = { resourceGroupName: "rg", workspaceName: "ws", location: "westeurope" };

describe("ml-workspace-no-v1-legacy-mode", () => {
  it("passes a workspace without v1 legacy mode, or with it set to false", async () => {
    for (const props of [workspace, { ...workspace, v1LegacyMode: false }]) {
      expect(await runResourcePolicy(mlWorkspaceNoV1LegacyMode, { type: WORKSPACE, props })).toEqual({
        violations: [],
        notApplicable: undefined,
        previewAdvisory: undefined,
      });
    }
  });

  it("refuses v1LegacyMode: true", async () => {
    const run = await runResourcePolicy(mlWorkspaceNoV1LegacyMode, { type: WORKSPACE, props: { ...workspace, v1LegacyMode: true } });
    expect(run.violations.map((v) => v.message)).toEqual([
      "Workspace sets v1LegacyMode: true, which keeps it on the retired v1 API and off v2 features; remove v1LegacyMode or set it to false",
    ]);
  });

  it("says that the related built-in audits the opposite instead of claiming to mirror it", () => {
    expect(mlWorkspaceNoV1LegacyMode.description).toContain("e413671a-dd10-4cc1-a943-45b598596cb7");
    expect(mlWorkspaceNoV1LegacyMode.description).toContain("audits the opposite");
    expect(mlWorkspaceNoV1LegacyMode.tags?.some((tag) => tag.startsWith("azure-policy:"))).toBe(false);
  });

  it("is not applicable to other resources", async () => {
    const run = await runResourcePolicy(mlWorkspaceNoV1LegacyMode, { type: "azure-native:machinelearningservices:Compute", props: {} });
    expect(run.notApplicable).toBeDefined();
  });

  it("defers to update when the value is unknown", async () => {
    const run = await runResourcePolicy(mlWorkspaceNoV1LegacyMode, { type: WORKSPACE, props: { ...workspace, v1LegacyMode: unknown.boolean } });
    expect(run.previewAdvisory).toBe(
      "can't run policy 'ml-workspace-no-v1-legacy-mode' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "boolean value at .v1LegacyMode can't be known during preview: v1LegacyMode is computed from another " +
        "resource's output; ml-workspace-no-v1-legacy-mode runs at update",
    );
  });
});
