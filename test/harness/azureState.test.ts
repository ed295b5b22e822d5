import { describe, expect, it } from "vitest";
import { AzureState, deployTemplate, evaluateTemplateValue, templateResourceId } from "./azureState";

const GROUP = "/subscriptions/00000000-0000-4000-8000-0000000000a1/resourceGroups/rg";
const ENDPOINT = `${GROUP}/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/ep`;
const BLUE = `${ENDPOINT}/deployments/blue`;

function withDeployment(): AzureState {
  const azure = new AzureState();
  azure.put(ENDPOINT, { location: "westeurope", properties: { authMode: "Key", keys: { primaryKey: "first", secondaryKey: "second" } } }, "test");
  azure.put(BLUE, { properties: { endpointComputeType: "Managed" } }, "test");
  azure.put(ENDPOINT, { location: "westeurope", properties: { authMode: "Key", traffic: { blue: 100 } } }, "test");
  return azure;
}

// The rules and their sources are in the table at the top of azureState.ts.
describe("the simulated Azure enforces Azure's endpoint semantics", () => {
  it("refuses traffic that names a deployment which does not exist", () => {
    const azure = new AzureState();
    expect(() => azure.put(ENDPOINT, { properties: { authMode: "Key", traffic: { blue: 100 } } }, "test")).toThrow(/names deployment 'blue', which does not exist/);
  });

  it("sets traffic to nothing when a PUT leaves traffic out", () => {
    const azure = withDeployment();
    expect(azure.trafficByEndpoint()[ENDPOINT.toLowerCase()]).toEqual({ blue: 100 });
    azure.put(ENDPOINT, { location: "westeurope", properties: { authMode: "Key", description: "new" } }, "test");
    expect(azure.trafficByEndpoint()[ENDPOINT.toLowerCase()]).toEqual({});
  });

  it("refuses traffic that does not sum to 100", () => {
    const azure = withDeployment();
    expect(() => azure.put(ENDPOINT, { properties: { authMode: "Key", traffic: { blue: 50 } } }, "test")).toThrow(/need to sum to 100/);
  });

  it("takes keys only at creation and never returns them", () => {
    const azure = withDeployment();
    azure.put(ENDPOINT, { properties: { authMode: "Key", traffic: { blue: 100 }, keys: { primaryKey: "rotated", secondaryKey: "rotated" } } }, "test");
    expect(azure.get(ENDPOINT)?.keys).toEqual({ primaryKey: "first", secondaryKey: "second" });
    expect(azure.read(ENDPOINT)?.keys).toBeUndefined();
    expect((azure.read(ENDPOINT)?.properties as Record<string, unknown>).keys).toBeUndefined();
  });

  it("refuses a deployment without its endpoint, and deleting a deployment that has traffic", () => {
    expect(() => new AzureState().put(BLUE, { properties: {} }, "test")).toThrow(/NotFound/);
    expect(() => withDeployment().delete(BLUE, "test")).toThrow(/has 100% traffic/);
  });
});

describe("the simulated ARM template deployment", () => {
  it("PUTs each template resource with its parameters and refuses expressions it cannot evaluate", () => {
    const azure = withDeployment();
    const template = {
      parameters: { workspaceName: { type: "string" }, endpointName: { type: "string" } },
      resources: [
        {
          type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
          apiVersion: "2024-10-01",
          name: "[format('{0}/{1}', parameters('workspaceName'), parameters('endpointName'))]",
          properties: { authMode: "Key", traffic: { blue: 100 }, description: "[parameters('endpointName')]" },
        },
      ],
    };
    deployTemplate(azure, GROUP, template, { workspaceName: { value: "ws" }, endpointName: { value: "ep" } }, "test");
    expect(azure.get(ENDPOINT)?.properties).toMatchObject({ description: "ep", traffic: { blue: 100 } });
    expect(() => evaluateTemplateValue("[concat('a', 'b')]", {})).toThrow(/cannot evaluate/);
    expect(() => deployTemplate(azure, GROUP, template, { workspaceName: { value: "ws" }, endpointName: { value: "ep" }, extra: { value: 1 } }, "test")).toThrow(
      /not declared/,
    );
    expect(templateResourceId(GROUP, "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", "ws/ep")).toBe(ENDPOINT);
  });
});
