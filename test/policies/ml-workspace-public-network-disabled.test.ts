import { describe, expect, it } from "vitest";
import { mlWorkspacePublicNetworkDisabled } from "../../policies/rules/ml-workspace-public-network-disabled";
import { runResourcePolicy, unknown } from "./policyHarness";

const WORKSPACE = "azure-native:machinelearningservices:Workspace";
const workspace = { resourceGroupName: "rg", workspaceName: "ws", location: "westeurope", publicNetworkAccess: "Disabled" };

describe("ml-workspace-public-network-disabled", () => {
  it("passes a workspace with public network access disabled", async () => {
    expect(await runResourcePolicy(mlWorkspacePublicNetworkDisabled, { type: WORKSPACE, props: workspace })).toEqual({
      violations: [],
      notApplicable: undefined,
      previewAdvisory: undefined,
    });
  });

  it("refuses Enabled and unset", async () => {
    const enabled = await runResourcePolicy(mlWorkspacePublicNetworkDisabled, { type: WORKSPACE, props: { ...workspace, publicNetworkAccess: "Enabled" } });
    expect(enabled.violations.map((v) => v.message)).toEqual([
      'Workspace publicNetworkAccess is "Enabled"; set publicNetworkAccess: "Disabled" and use a private endpoint',
    ]);
    const { publicNetworkAccess: _unset, ...defaults } = workspace;
    const unset = await runResourcePolicy(mlWorkspacePublicNetworkDisabled, { type: WORKSPACE, props: defaults });
    expect(unset.violations.map((v) => v.message)).toEqual([
      'Workspace publicNetworkAccess is not set (Azure treats that as Enabled); set publicNetworkAccess: "Disabled" and use a private endpoint',
    ]);
  });

  it("names the Azure Policy built-in it mirrors", () => {
    expect(mlWorkspacePublicNetworkDisabled.description).toContain("438c38d2-3772-465a-a9cc-7a6666a275ce");
    expect(mlWorkspacePublicNetworkDisabled.tags).toContain("azure-policy:438c38d2-3772-465a-a9cc-7a6666a275ce");
  });

  it("is not applicable to other workspaces", async () => {
    const run = await runResourcePolicy(mlWorkspacePublicNetworkDisabled, { type: "azure-native:operationalinsights:Workspace", props: {} });
    expect(run.notApplicable?.reason).toBe("applies only to azure-native:machinelearningservices:Workspace");
  });

  it("defers to update when the value is unknown", async () => {
    const run = await runResourcePolicy(mlWorkspacePublicNetworkDisabled, { type: WORKSPACE, props: { ...workspace, publicNetworkAccess: unknown.string } });
    expect(run.previewAdvisory).toBe(
      "can't run policy 'ml-workspace-public-network-disabled' from policy pack 'aml-auth-guard@v0.1.0' during preview: " +
        "string value at .publicNetworkAccess can't be known during preview: publicNetworkAccess is computed from " +
        "another resource's output; ml-workspace-public-network-disabled runs at update",
    );
  });
});
