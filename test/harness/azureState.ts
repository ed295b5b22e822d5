/**
 * A stateful fake of Azure Resource Manager: what a PUT of a whole resource does to what Azure holds.
 * Only the rules the tests rely on are modelled, each from Microsoft's own sources:
 *
 * | rule | source |
 * | --- | --- |
 * | a PUT replaces the resource's body: a PUT without `properties.traffic` leaves the endpoint with no traffic | Azure/azure-rest-api-specs `specification/machinelearningservices/.../mfe.json` (OnlineEndpoints_CreateOrUpdate is a PUT of the whole `OnlineEndpoint`); azure-ai-docs `how-to-safely-rollout-online-endpoints.md` (traffic is a map set as a whole) |
 * | traffic may name only deployments that exist | azure-ai-docs `how-to-safely-rollout-online-endpoints.md`: "You can set the traffic only when the deployments under an endpoint have been created" |
 * | traffic values sum to 100 | azure-rest-api-specs `OnlineEndpointProperties.traffic`: "Traffic values need to sum to 100" |
 * | `keys` are taken only when the endpoint is created and never returned | azure-rest-api-specs `EndpointAuthKeys`: "EndpointAuthKeys to set initially on an Endpoint. This property will always be returned as null" |
 * | a deployment needs its endpoint | the deployment's ARM id is a child of the endpoint's |
 * | a deployment that has traffic cannot be deleted | azure-ai-docs `how-to-safely-rollout-online-endpoints.md` (move traffic away, then delete) |
 * | `regenerateKeys` is a POST action on the endpoint with `{keyType, keyValue?}` that changes one key and nothing else | azure-rest-api-specs `OnlineEndpoints_RegenerateKeys` (`RegenerateEndpointKeysRequest`) |
 */

type Body = Record<string, unknown>;

export interface ArmWrite {
  readonly method: "PUT" | "DELETE" | "POST";
  readonly id: string;
  /** what wrote it: a Pulumi resource, or an ARM template deployment on its behalf */
  readonly by: string;
}

const ENDPOINTS = /\/providers\/Microsoft\.MachineLearningServices\/workspaces\/[^/]+\/onlineEndpoints\/[^/]+$/i;
const DEPLOYMENTS = /\/onlineEndpoints\/[^/]+\/deployments\/[^/]+$/i;
const READ_ONLY_ENDPOINT_PROPERTIES = ["provisioningState", "scoringUri", "swaggerUri"];

function isRecord(value: unknown): value is Body {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

export class AzureState {
  private readonly resources = new Map<string, Body>();
  /** every write in order, with the traffic each endpoint had right after it */
  readonly log: { write: ArmWrite; traffic: Record<string, Record<string, number>> }[] = [];

  get(id: string): Body | undefined {
    const body = this.resources.get(id.toLowerCase());
    return body ? clone(body) : undefined;
  }

  /** The traffic Azure routes now, by endpoint id. */
  trafficByEndpoint(): Record<string, Record<string, number>> {
    const traffic: Record<string, Record<string, number>> = {};
    for (const [id, body] of this.resources) {
      if (ENDPOINTS.test(id)) traffic[id] = clone((isRecord(body.properties) ? (body.properties.traffic as Record<string, number> | undefined) : undefined) ?? {});
    }
    return traffic;
  }

  put(id: string, body: Body, by: string): Body {
    const key = id.toLowerCase();
    const existing = this.resources.get(key);
    let stored: Body;
    if (ENDPOINTS.test(id)) stored = this.putEndpoint(id, body, existing);
    else if (DEPLOYMENTS.test(id)) stored = this.putDeployment(id, body);
    else stored = clone(body);
    this.resources.set(key, stored);
    this.record({ method: "PUT", id, by });
    return clone(stored);
  }

  delete(id: string, by: string): void {
    const key = id.toLowerCase();
    if (DEPLOYMENTS.test(id)) {
      const endpointId = key.replace(/\/deployments\/[^/]+$/, "");
      const deploymentName = key.split("/").pop() ?? "";
      const traffic = this.trafficByEndpoint()[endpointId] ?? {};
      const share = Object.entries(traffic).find(([name]) => name.toLowerCase() === deploymentName)?.[1] ?? 0;
      if (share > 0) throw new Error(`BadRequest: deployment '${deploymentName}' has ${share}% traffic and cannot be deleted; move its traffic first`);
    }
    for (const other of [...this.resources.keys()]) {
      if (other === key || other.startsWith(`${key}/`)) this.resources.delete(other);
    }
    this.record({ method: "DELETE", id, by });
  }

  /** POST .../onlineEndpoints/{name}/regenerateKeys: one key changes, the endpoint's body does not. */
  regenerateKeys(endpointId: string, keyType: "Primary" | "Secondary", keyValue: string, by: string): void {
    const key = endpointId.toLowerCase();
    const endpoint = this.resources.get(key);
    if (!endpoint || !ENDPOINTS.test(endpointId)) throw new Error(`NotFound: endpoint '${endpointId}' does not exist`);
    const keys = isRecord(endpoint.keys) ? endpoint.keys : {};
    this.resources.set(key, { ...endpoint, keys: { ...keys, [keyType === "Primary" ? "primaryKey" : "secondaryKey"]: keyValue } });
    this.record({ method: "POST", id: `${endpointId}/regenerateKeys`, by });
  }

  private record(write: ArmWrite): void {
    this.log.push({ write, traffic: this.trafficByEndpoint() });
  }

  private putEndpoint(id: string, body: Body, existing: Body | undefined): Body {
    const properties = isRecord(body.properties) ? clone(body.properties) : {};
    const traffic = isRecord(properties.traffic) ? (properties.traffic as Record<string, unknown>) : {};
    const values = Object.values(traffic);
    if (!values.every((value) => typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 100)) {
      throw new Error(`BadRequest: traffic values of '${id}' must be whole percentages`);
    }
    const total = (values as number[]).reduce((sum, value) => sum + value, 0);
    if (values.length > 0 && total !== 100) throw new Error(`BadRequest: traffic of '${id}' sums to ${total}; traffic values need to sum to 100`);
    for (const deployment of Object.keys(traffic)) {
      if (!this.resources.has(`${id}/deployments/${deployment}`.toLowerCase())) {
        throw new Error(`BadRequest: traffic of '${id}' names deployment '${deployment}', which does not exist`);
      }
    }
    for (const readOnly of READ_ONLY_ENDPOINT_PROPERTIES) delete properties[readOnly];
    // Keys are set initially only: on later PUTs Azure keeps the keys it has.
    const keys = existing ? (existing.keys as unknown) : properties.keys;
    delete properties.keys;
    const name = id.split("/").pop() ?? "";
    const location = typeof body.location === "string" ? body.location : "westeurope";
    return {
      ...clone(body),
      properties: {
        ...properties,
        traffic: clone(traffic),
        provisioningState: "Succeeded",
        scoringUri: `https://${name}.${location}.inference.ml.azure.com/score`,
      },
      keys,
    };
  }

  private putDeployment(id: string, body: Body): Body {
    const endpointId = id.replace(/\/deployments\/[^/]+$/i, "");
    if (!this.resources.has(endpointId.toLowerCase())) throw new Error(`NotFound: endpoint '${endpointId}' of deployment '${id}' does not exist`);
    return clone(body);
  }

  /** What a GET returns: never the keys. */
  read(id: string): Body | undefined {
    const body = this.get(id);
    if (body && ENDPOINTS.test(id)) delete body.keys;
    return body;
  }
}

/** The ARM id of a template resource: `<type a>/<type b>` with name `<x>/<y>` interleave. */
export function templateResourceId(resourceGroupId: string, type: string, name: string): string {
  const [namespace, ...types] = type.split("/");
  const names = name.split("/");
  if (types.length !== names.length) throw new Error(`InvalidTemplate: resource name '${name}' does not match type '${type}'`);
  return `${resourceGroupId}/providers/${namespace}${types.map((segment, index) => `/${segment}/${names[index]}`).join("")}`;
}

/**
 * Evaluates the template expressions this project writes: `[parameters('x')]` and
 * `[format('{0}/{1}', parameters('a'), parameters('b'))]`. Anything else is refused, so a template
 * the fake cannot evaluate fails instead of passing unchecked.
 */
export function evaluateTemplateValue(value: unknown, parameters: Record<string, unknown>): unknown {
  if (Array.isArray(value)) return value.map((item) => evaluateTemplateValue(item, parameters));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, evaluateTemplateValue(inner, parameters)]));
  if (typeof value !== "string" || !value.startsWith("[") || value.startsWith("[[")) return value;
  const expression = value.slice(1, -1).trim();
  const parameter = (text: string): unknown => {
    const match = /^parameters\('([^']+)'\)$/.exec(text.trim());
    if (!match) throw new Error(`InvalidTemplate: the fake cannot evaluate '${text}'`);
    const name = match[1] ?? "";
    if (!(name in parameters)) throw new Error(`InvalidTemplate: parameter '${name}' has no value`);
    return parameters[name];
  };
  const format = /^format\('([^']*)',\s*(.+)\)$/.exec(expression);
  if (format) {
    const args = (format[2] ?? "").split(/,\s*(?=parameters\()/).map(parameter);
    return (format[1] ?? "").replace(/\{(\d+)\}/g, (_, index: string) => String(args[Number(index)]));
  }
  return parameter(expression);
}

/** Runs an ARM template deployment: each template resource is a PUT of its whole body, in order. */
export function deployTemplate(
  azure: AzureState,
  resourceGroupId: string,
  template: Body,
  parameterValues: Record<string, { value: unknown }>,
  by: string,
): void {
  const parameters = Object.fromEntries(Object.entries(parameterValues).map(([name, { value }]) => [name, value]));
  const declared = isRecord(template.parameters) ? Object.keys(template.parameters) : [];
  for (const name of Object.keys(parameters)) {
    if (!declared.includes(name)) throw new Error(`InvalidTemplate: parameter '${name}' is not declared in the template`);
  }
  const resources = Array.isArray(template.resources) ? (template.resources as Body[]) : [];
  for (const resource of resources) {
    const evaluated = evaluateTemplateValue(resource, parameters) as Body;
    const { type, name, apiVersion: _apiVersion, ...body } = evaluated;
    azure.put(templateResourceId(resourceGroupId, String(type), String(name)), body, by);
  }
}
