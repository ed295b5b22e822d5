import { describe, expect, it } from "vitest";
import { AzureFakes } from "../../plan/azureFakes";

const endpoint = (name: string) => ({
  type: "azure-native:machinelearningservices:OnlineEndpoint",
  name,
  custom: true,
  inputs: { resourceGroupName: "rg", workspaceName: "ws", endpointName: "scoring", properties: { authMode: "Key" } },
});

describe("AzureFakes", () => {
  it("gives ARM-shaped ids and refuses to create the same Azure resource twice, as Azure does", () => {
    const fakes = new AzureFakes({ preview: false });
    const first = fakes.newResource(endpoint("first"));
    expect(first.id).toBe(
      `/subscriptions/${fakes.subscriptionId}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/scoring`,
    );
    expect(() => fakes.newResource(endpoint("second"))).toThrow(`cannot create already existing resource '${first.id}'`);
  });

  it("leaves ids and computed outputs unknown in preview", () => {
    const result = new AzureFakes({ preview: true }).newResource(endpoint("first"));
    expect(result.id).toBeUndefined();
    expect(result.state).toEqual(endpoint("first").inputs);
  });
});
