import * as pulumi from "@pulumi/pulumi";

/** The online endpoint API version the traffic template writes with. */
export const ONLINE_ENDPOINT_API_VERSION = "2024-10-01";

export interface EndpointTrafficArgs {
  readonly workspaceName: pulumi.Input<string>;
  readonly endpointName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly tags: pulumi.Input<Record<string, string>>;
  readonly authMode: string;
  readonly description: string;
  /** managed endpoints only */
  readonly publicNetworkAccess?: string;
  /** the Kubernetes compute's ARM id; absent for managed endpoints */
  readonly compute?: pulumi.Input<string>;
  readonly deploymentName: string;
}

type Parameters = Record<string, { value: pulumi.Input<unknown> }>;

/**
 * Endpoint inputs that only the traffic template writes after creation. Azure takes a PUT of the
 * whole endpoint, and a PUT without `traffic` sets traffic to 0: if Pulumi wrote the endpoint again
 * (a tag, a description, a refreshed input), traffic would drop until the template ran again, or for
 * good after `pulumi refresh`. So the endpoint resource writes these only when it is created, and the
 * template, which always carries the traffic, is their single writer from then on.
 */
export const ENDPOINT_SETTINGS_WRITTEN_BY_TRAFFIC = ["tags", "identity", "properties"] as const;

/**
 * An ARM template that PUTs the endpoint again with all traffic on its deployment, as Azure's own
 * templates do: the endpoint cannot name a deployment before that deployment exists. It carries every
 * endpoint setting, so that every later write of the endpoint keeps traffic at 100%. Keys are left
 * out because Azure applies them only when the endpoint is created.
 */
export function endpointTrafficDeployment(args: EndpointTrafficArgs): { template: Record<string, unknown>; parameters: Parameters } {
  const parameter = (type: string) => ({ type });
  const template = {
    $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    contentVersion: "1.0.0.0",
    parameters: {
      workspaceName: parameter("string"),
      endpointName: parameter("string"),
      location: parameter("string"),
      tags: parameter("object"),
      authMode: parameter("string"),
      description: parameter("string"),
      ...(args.publicNetworkAccess !== undefined ? { publicNetworkAccess: parameter("string") } : {}),
      ...(args.compute !== undefined ? { compute: parameter("string") } : {}),
    },
    resources: [
      {
        type: "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        apiVersion: ONLINE_ENDPOINT_API_VERSION,
        name: "[format('{0}/{1}', parameters('workspaceName'), parameters('endpointName'))]",
        location: "[parameters('location')]",
        tags: "[parameters('tags')]",
        identity: { type: "SystemAssigned" },
        properties: {
          authMode: "[parameters('authMode')]",
          description: "[parameters('description')]",
          ...(args.publicNetworkAccess !== undefined ? { publicNetworkAccess: "[parameters('publicNetworkAccess')]" } : {}),
          ...(args.compute !== undefined ? { compute: "[parameters('compute')]" } : {}),
          traffic: { [args.deploymentName]: 100 },
        },
      },
    ],
  };
  const parameters: Parameters = {
    workspaceName: { value: args.workspaceName },
    endpointName: { value: args.endpointName },
    location: { value: args.location },
    tags: { value: args.tags },
    authMode: { value: args.authMode },
    description: { value: args.description },
    ...(args.publicNetworkAccess !== undefined ? { publicNetworkAccess: { value: args.publicNetworkAccess } } : {}),
    ...(args.compute !== undefined ? { compute: { value: args.compute } } : {}),
  };
  return { template, parameters };
}
