import { describe, expect, it } from "vitest";
import { endpointTrafficDeployment } from "../../components/endpointTraffic";
import { mlEndpointAllowedAuthModes } from "../../policies/rules/ml-endpoint-allowed-auth-modes";
import { mlEndpointAuthExclusive } from "../../policies/rules/ml-endpoint-auth-exclusive";
import { mlEndpointAuthRequired } from "../../policies/rules/ml-endpoint-auth-required";
import { mlEndpointTokenComputeSupported } from "../../policies/rules/ml-endpoint-token-compute-supported";
import { mlKubernetesExtensionTls } from "../../policies/rules/ml-kubernetes-extension-tls";
import { mlWorkspacePublicNetworkDisabled } from "../../policies/rules/ml-workspace-public-network-disabled";
import { runResourcePolicy, unknown } from "./policyHarness";

// ARM shapes: Azure/bicep-types-az generated/machinelearningservices/microsoft.machinelearningservices/2024-10-01/types.md
// (workspaces/onlineEndpoints: properties.authMode, properties.keys, properties.compute) and .../2021-04-01/types.md
// (workspaces/services: computeType, authEnabled, aadAuthEnabled at the top); child names are "parent/child".
// Template syntax: learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions,
// .../templates/parameters (defaultValue), .../templates/linked-templates (expressionEvaluationOptions.scope).
const DEPLOYMENT = "azure-native:resources:Deployment";
const GENERIC = "azure-native:resources:Resource";
const ENDPOINT_TYPE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints";
const COMPUTE_ID = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/computes/k8s";

function deployment(template: Record<string, unknown>, parameters: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    type: DEPLOYMENT,
    name: "arm",
    props: { resourceGroupName: "rg", properties: { mode: "Incremental", template, parameters, ...extra } },
  };
}

function template(resources: unknown[], parameters: Record<string, unknown> = {}, variables: Record<string, unknown> = {}) {
  return { $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", contentVersion: "1.0.0.0", parameters, variables, resources };
}

function endpoint(properties: Record<string, unknown>, name: unknown = "ws/ep") {
  return { type: ENDPOINT_TYPE, apiVersion: "2024-10-01", name, location: "westeurope", properties };
}

const messages = async (policy: Parameters<typeof runResourcePolicy>[0], resource: Parameters<typeof runResourcePolicy>[1]) =>
  (await runResourcePolicy(policy, resource)).violations.map((v) => v.message);

describe("resources declared in an ARM template deployment", () => {
  it("refuses an AADToken endpoint on Kubernetes whose mode and compute come from parameters", async () => {
    const arm = deployment(
      template([endpoint({ authMode: "[parameters('mode')]", compute: "[parameters('compute')]" })], { mode: { type: "string" }, compute: { type: "string" } }),
      { mode: { value: "AADToken" }, compute: { value: COMPUTE_ID } },
    );
    expect(await messages(mlEndpointTokenComputeSupported, arm)).toEqual([
      `ARM template, resource 'ws/ep' (${ENDPOINT_TYPE}): OnlineEndpoint uses authMode AADToken on Kubernetes compute ${COMPUTE_ID}; ` +
        `Entra ID tokens work only on managed online endpoints: use authMode "AMLToken" (or "Key"), or remove properties.compute to make it a managed endpoint`,
    ]);
  });

  it("uses a parameter's defaultValue when the deployment gives none, and the given value over it", async () => {
    const params = { mode: { type: "string", defaultValue: "[variables('tokenMode')]" } };
    const withKeys = template([endpoint({ authMode: "[parameters('mode')]", keys: { primaryKey: "p" } })], params, { tokenMode: "[concat('AML', 'Token')]" });
    expect(await messages(mlEndpointAuthExclusive, deployment(withKeys))).toEqual([
      `ARM template, resource 'ws/ep' (${ENDPOINT_TYPE}): OnlineEndpoint uses authMode AMLToken but sets properties.keys, which only authMode Key uses; ` +
        `remove properties.keys, or set properties.authMode to "Key" to use keys instead of tokens`,
    ]);
    expect(await messages(mlEndpointAuthExclusive, deployment(withKeys, { MODE: { value: "Key" } }))).toEqual([]);
  });

  it("builds names with format() and reads the project's own traffic template", async () => {
    const traffic = endpointTrafficDeployment({
      workspaceName: "mlw",
      endpointName: "scoring",
      location: "westeurope",
      tags: {},
      authMode: "AADToken",
      description: "d",
      publicNetworkAccess: "Disabled",
      compute: COMPUTE_ID,
      deploymentName: "blue",
    });
    const arm = deployment(traffic.template, traffic.parameters as Record<string, unknown>);
    const [message] = await messages(mlEndpointTokenComputeSupported, arm);
    expect(message).toMatch(/^ARM template, resource 'mlw\/scoring' \(Microsoft.MachineLearningServices\/workspaces\/onlineEndpoints\): OnlineEndpoint uses authMode AADToken on Kubernetes compute/);
  });

  it("judges v1 services by their flat flags; the free-form properties dictionary does not count", async () => {
    const service = (fields: Record<string, unknown>) =>
      deployment(template([{ type: "Microsoft.MachineLearningServices/workspaces/services", apiVersion: "2021-04-01", name: "ws/legacy", ...fields }]));
    expect(await messages(mlEndpointAuthExclusive, service({ computeType: "AKS", aadAuthEnabled: true, properties: { authEnabled: "false" } }))).toEqual([
      "ARM template, resource 'ws/legacy' (Microsoft.MachineLearningServices/workspaces/services): v1 AKS service has key auth " +
        "(authEnabled, on by default for AKS) and token auth (aadAuthEnabled) both enabled; set authEnabled: false to keep token auth, or aadAuthEnabled: false to keep keys",
    ]);
    expect(await messages(mlEndpointAuthRequired, service({ computeType: "ACI", properties: { authEnabled: "true" } }))).toHaveLength(1);
    expect(await messages(mlEndpointAuthRequired, service({ computeType: "ACI", authEnabled: "[bool('true')]" }))).toEqual([]);
  });

  it("judges child resources declared inside their parent and skips resources whose condition is false", async () => {
    const workspace = {
      type: "Microsoft.MachineLearningServices/workspaces",
      apiVersion: "2024-10-01",
      name: "ws",
      location: "westeurope",
      properties: { publicNetworkAccess: "Disabled" },
      resources: [
        { type: "onlineEndpoints", apiVersion: "2024-10-01", name: "ep", location: "westeurope", properties: {} },
        { condition: "[equals(1, 2)]", type: "onlineEndpoints", apiVersion: "2024-10-01", name: "off", properties: {} },
      ],
    };
    expect(await messages(mlEndpointAuthRequired, deployment(template([workspace])))).toEqual([
      `ARM template, resource 'ws/ep' (${ENDPOINT_TYPE}): OnlineEndpoint sets no properties.authMode; set it to "AMLToken", "AADToken" or "Key"`,
    ]);
    expect(await messages(mlWorkspacePublicNetworkDisabled, deployment(template([workspace])))).toEqual([]);
  });

  it("evaluates nested deployments in outer and inner scope", async () => {
    const nested = (scope: "inner" | "outer") =>
      deployment(
        template(
          [
            {
              type: "Microsoft.Resources/deployments",
              apiVersion: "2022-09-01",
              name: "inner",
              properties: {
                mode: "Incremental",
                expressionEvaluationOptions: { scope },
                parameters: { mode: { value: "[parameters('outerMode')]" } },
                template: template([endpoint({ authMode: "[parameters('mode')]", compute: COMPUTE_ID })], { mode: { type: "string" } }),
              },
            },
          ],
          { outerMode: { type: "string", defaultValue: "AADToken" }, mode: { type: "string", defaultValue: "AMLToken" } },
        ),
      );
    // Inner scope: the nested template's own parameter, given from the outer one (AADToken). Outer scope: the parent's `mode` (AMLToken).
    expect(await messages(mlEndpointTokenComputeSupported, nested("inner"))).toHaveLength(1);
    expect(await messages(mlEndpointTokenComputeSupported, nested("outer"))).toEqual([]);
  });

  it("judges hygiene rules on template workspaces and extensions", async () => {
    const arm = deployment(
      template([
        { type: "Microsoft.MachineLearningServices/workspaces", apiVersion: "2024-10-01", name: "ws", properties: { publicNetworkAccess: "Enabled" } },
        {
          type: "Microsoft.KubernetesConfiguration/extensions",
          apiVersion: "2023-05-01",
          name: "azureml",
          properties: { extensionType: "Microsoft.AzureML.Kubernetes", configurationSettings: { allowInsecureConnections: "True" } },
        },
      ]),
    );
    expect(await messages(mlWorkspacePublicNetworkDisabled, arm)).toEqual([
      `ARM template, resource 'ws' (Microsoft.MachineLearningServices/workspaces): Workspace publicNetworkAccess is "Enabled"; set publicNetworkAccess: "Disabled" and use a private endpoint`,
    ]);
    expect(await messages(mlKubernetesExtensionTls, arm)).toHaveLength(1);
  });

  it("reads a template workspace's settings where Azure reads them: under properties", async () => {
    const workspace = (fields: Record<string, unknown>) =>
      deployment(template([{ type: "Microsoft.MachineLearningServices/workspaces", apiVersion: "2024-10-01", name: "ws", ...fields }]));
    // A setting at the top of the resource is not the workspace's setting.
    expect(await messages(mlWorkspacePublicNetworkDisabled, workspace({ publicNetworkAccess: "Disabled", properties: {} }))).toEqual([
      "ARM template, resource 'ws' (Microsoft.MachineLearningServices/workspaces): Workspace publicNetworkAccess is not set (Azure treats that as Enabled); " +
        'set publicNetworkAccess: "Disabled" and use a private endpoint',
    ]);
    expect(await messages(mlWorkspacePublicNetworkDisabled, workspace({ properties: "[reference('settings')]" }))).toEqual([
      "ARM template, resource 'ws' (Microsoft.MachineLearningServices/workspaces): cannot verify publicNetworkAccess: the template function " +
        "reference() is not evaluated by the policy pack; the pack does not pass what it cannot check: write the value literally, or through " +
        "parameters and variables whose values the program gives",
    ]);
  });

  it("does not pass what it cannot compute: a mode from a function it does not evaluate is a violation", async () => {
    const arm = deployment(template([endpoint({ authMode: "[reference('settings').mode]" })]));
    for (const policy of [mlEndpointAuthRequired, mlEndpointAllowedAuthModes]) {
      expect(await messages(policy, arm)).toEqual([
        `ARM template, resource 'ws/ep' (${ENDPOINT_TYPE}): cannot verify properties.authMode: the template function reference() is not evaluated ` +
          "by the policy pack; the pack does not pass what it cannot check: write the value literally, or through parameters and variables whose values the program gives",
      ]);
    }
    const keyVaultParameter = deployment(template([endpoint({ authMode: "[parameters('mode')]" })], { mode: { type: "string" } }), {
      mode: { reference: { keyVault: { id: "/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv" }, secretName: "m" } },
    });
    expect((await messages(mlEndpointAuthRequired, keyVaultParameter))[0]).toContain("cannot verify properties.authMode: parameter 'mode' is a Key Vault reference");
    // A value no rule reads (location from the resource group) does not matter.
    const located = deployment(template([{ ...endpoint({ authMode: "Key" }), location: "[resourceGroup().location]" }]));
    expect(await messages(mlEndpointAuthRequired, located)).toEqual([]);
  });

  it("refuses a linked template in ml-endpoint-auth-required only", async () => {
    const linked = {
      type: DEPLOYMENT,
      name: "linked",
      props: { resourceGroupName: "rg", properties: { mode: "Incremental", templateLink: { uri: "https://example.com/t.json" } } },
    };
    expect(await messages(mlEndpointAuthRequired, linked)).toEqual([
      "cannot verify the web services this deployment declares: its template is linked (properties.templateLink), which the pack cannot read; " +
        "inline it as properties.template; the pack does not pass what it cannot check",
    ]);
    for (const policy of [mlEndpointAuthExclusive, mlWorkspacePublicNetworkDisabled]) {
      const run = await runResourcePolicy(policy, linked);
      expect(run.violations).toEqual([]);
      expect(run.notApplicable).toBeDefined();
    }
  });

  it("defers to update what the program computes from other resources, and only the checks that need it", async () => {
    const arm = deployment(template([endpoint({ authMode: "AADToken", compute: "[parameters('compute')]" })], { compute: { type: "string" } }), {
      compute: { value: unknown.string },
    });
    expect((await runResourcePolicy(mlEndpointTokenComputeSupported, arm)).previewAdvisory).toContain(
      "string value at .properties.parameters.compute.value can't be known during preview: properties.compute is known only after the compute is created",
    );
    expect(await runResourcePolicy(mlEndpointAuthRequired, arm)).toEqual({ violations: [], notApplicable: undefined, previewAdvisory: undefined });
    // Another endpoint of the same template is judged now, while the first waits.
    const two = deployment(template([endpoint({ authMode: "[parameters('mode')]" }), endpoint({}, "ws/other")], { mode: { type: "string" } }), {
      mode: { value: unknown.string },
    });
    const both = await runResourcePolicy(mlEndpointAuthRequired, two);
    expect(both.violations.map((v) => v.message)).toEqual([
      `ARM template, resource 'ws/other' (${ENDPOINT_TYPE}): OnlineEndpoint sets no properties.authMode; set it to "AMLToken", "AADToken" or "Key"`,
    ]);
    expect(both.previewAdvisory).toContain("string value at .properties.parameters.mode.value can't be known during preview");
    const wholeUnknown = { type: DEPLOYMENT, name: "arm", props: { resourceGroupName: "rg", properties: unknown.object } };
    expect((await runResourcePolicy(mlEndpointAuthRequired, wholeUnknown)).previewAdvisory).toContain(
      "the template deployment's properties are computed from another resource's output, so the resources it declares are not known; ml-endpoint-auth-required runs at update",
    );
  });

  it("keeps the known segments of a child name when another is unknown during preview", async () => {
    const arm = deployment(
      template([endpoint({}, "[format('{0}/{1}', parameters('ws'), parameters('ep'))]")], { ws: { type: "string" }, ep: { type: "string" } }),
      { ws: { value: "mlw" }, ep: { value: unknown.string } },
    );
    expect(await messages(mlEndpointAuthRequired, arm)).toEqual([
      `ARM template, resource 'mlw/(unknown)' (${ENDPOINT_TYPE}): OnlineEndpoint sets no properties.authMode; set it to "AMLToken", "AADToken" or "Key"`,
    ]);
  });

  it("evaluates a nested template given through a variable, and judges deployment stacks", async () => {
    const nested = {
      type: "Microsoft.Resources/deployments",
      apiVersion: "2022-09-01",
      name: "inner",
      properties: { mode: "Incremental", template: "[variables('inner')]" },
    };
    const arm = deployment(template([nested], {}, { inner: template([endpoint({ authMode: "AMLToken", keys: { primaryKey: "p" } })]) }));
    expect(await messages(mlEndpointAuthExclusive, arm)).toHaveLength(1);
    const inner = { ...nested, properties: { ...nested.properties, expressionEvaluationOptions: { scope: "inner" } } };
    const innerArm = deployment(template([inner], {}, { inner: template([endpoint({ authMode: "AMLToken" })]) }));
    expect(await messages(mlEndpointAuthRequired, innerArm)).toEqual([
      "cannot verify the web services this deployment declares: ARM template, nested deployment 'inner': an inner-scope template given by an " +
        "expression ([variables('inner')]); inline it as properties.template; the pack does not pass what it cannot check",
    ]);
    const stack = {
      type: "azure-native:resources:DeploymentStackAtResourceGroup",
      name: "stack",
      props: { resourceGroupName: "rg", template: template([endpoint({ authMode: "AMLToken", keys: { primaryKey: "p" } })]), parameters: {} },
    };
    expect(await messages(mlEndpointAuthExclusive, stack)).toHaveLength(1);
  });

  it("recognises deployments at other scopes and versioned tokens", async () => {
    const arm = deployment(template([endpoint({})]));
    for (const type of ["azure-native:resources/v20240301:Deployment", "azure-native:resources:DeploymentAtSubscriptionScope"]) {
      expect(await messages(mlEndpointAuthRequired, { ...arm, type })).toHaveLength(1);
    }
  });
});

describe("resources declared through resources:Resource", () => {
  const generic = (resourceType: string, parentResourcePath: string, properties: Record<string, unknown>) => ({
    type: GENERIC,
    name: "generic",
    props: {
      resourceGroupName: "rg",
      resourceProviderNamespace: "Microsoft.MachineLearningServices",
      parentResourcePath,
      resourceType,
      resourceName: "ep",
      apiVersion: "2024-10-01",
      location: "westeurope",
      properties,
    },
  });

  it("judges an online endpoint by the same rules", async () => {
    expect(await messages(mlEndpointAuthExclusive, generic("onlineEndpoints", "workspaces/ws", { authMode: "AADToken", keys: { primaryKey: "p" } }))).toEqual([
      `generic resource 'ws/ep' (${ENDPOINT_TYPE}): OnlineEndpoint uses authMode AADToken but sets properties.keys, which only authMode Key uses; ` +
        `remove properties.keys, or set properties.authMode to "Key" to use keys instead of tokens`,
    ]);
    expect(await messages(mlEndpointTokenComputeSupported, generic("onlineEndpoints", "workspaces/ws", { authMode: "AMLToken", compute: COMPUTE_ID }))).toEqual([]);
  });

  it("cannot verify a v1 service: a generic resource sends only the envelope, and Azure reads the auth flags at the top", async () => {
    const service = generic("services", "workspaces/ws", { computeType: "AKS", authEnabled: false, aadAuthEnabled: true });
    const [message] = await messages(mlEndpointAuthRequired, service);
    expect(message).toContain("cannot verify computeType: a generic resource sends only the ARM envelope");
  });

  it("is not applicable to other generic resources", async () => {
    const other = { ...generic("onlineEndpoints", "workspaces/ws", {}), props: { resourceProviderNamespace: "Microsoft.Storage", parentResourcePath: "", resourceType: "storageAccounts", resourceName: "st" } };
    expect((await runResourcePolicy(mlEndpointAuthRequired, other)).notApplicable).toBeDefined();
  });
});
