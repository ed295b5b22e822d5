// Generated web-service declarations for property-based tests: a model of what a program asks Azure for,
// the Pulumi resource that writes it (directly, through an ARM template deployment, or as a generic
// resource), and the verdict the auth rules must reach, stated here from Azure's semantics alone
// (nothing from policies/ is imported, so a bug there cannot hide in the expectation).
//
// Azure semantics stated below (sources: learn.microsoft.com/azure/machine-learning/v1/how-to-authenticate-web-service,
// .../how-to-authenticate-online-endpoint, pulumi-azure-native v1 sdk/nodejs/machinelearningservices/v20210401/
// aksservice.ts, aciservice.ts, machineLearningService.ts):
// - ACI: key auth only when authEnabled is true; tokens are not supported (aadAuthEnabled is ignored).
// - AKS: key auth unless authEnabled is false; token auth when aadAuthEnabled is true.
// - MachineLearningService has no auth input: the compute's defaults apply, whatever flags are written.
// - An online endpoint has one authMode; properties.keys apply to Key only; AADToken needs a managed endpoint.
// - A generic resources:Resource sends only the ARM envelope, so a v1 service's flags cannot be set through it.
import fc from "fast-check";

export const AUTH_MODES = ["Key", "AMLToken", "AADToken"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

export const AUTH_POLICIES = [
  "ml-endpoint-auth-exclusive",
  "ml-endpoint-auth-required",
  "ml-endpoint-token-compute-supported",
  "ml-endpoint-allowed-auth-modes",
] as const;
export type AuthPolicy = (typeof AUTH_POLICIES)[number];

export type ServiceModel =
  | {
      readonly generation: "v2";
      /** As written: any casing of a mode (ARM enums are case-insensitive), or none. */
      readonly authMode: string | undefined;
      readonly keys: boolean;
      /** A Kubernetes compute (properties.compute) instead of a managed endpoint. */
      readonly kubernetes: boolean;
    }
  | {
      readonly generation: "v1";
      readonly compute: "ACI" | "AKS";
      readonly authEnabled: boolean | undefined;
      readonly aadAuthEnabled: boolean | undefined;
      /** Strings in the free-form `properties` dictionary, which Azure never reads for auth. */
      readonly dictionary: Readonly<Record<string, string>>;
    };

/** How the program writes the service. */
export type Writing =
  | "direct"
  | "direct-machine-learning-service"
  | "template-literal"
  | "template-parameters"
  | "template-variables"
  | "template-defaults"
  | "generic-resource";

export interface PulumiResource {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
}

export interface ServiceDeclaration {
  readonly model: ServiceModel;
  readonly writing: Writing;
  readonly allowedAuthModes: readonly AuthMode[];
  readonly resource: PulumiResource;
  /** The auth policies that must report a violation, sorted. */
  readonly expected: readonly AuthPolicy[];
}

const COMPUTE_ID = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw/computes/k8s";

// --- the rules, stated independently -------------------------------------------------------------------

function canonicalMode(written: string | undefined): AuthMode | undefined {
  return AUTH_MODES.find((mode) => written !== undefined && mode.toLowerCase() === written.toLowerCase());
}

/** The auth policies a declaration violates. */
export function expectedViolations(model: ServiceModel, writing: Writing, allowed: readonly AuthMode[]): AuthPolicy[] {
  const failing = new Set<AuthPolicy>();
  if (model.generation === "v2") {
    const mode = canonicalMode(model.authMode);
    if (mode === undefined) failing.add("ml-endpoint-auth-required");
    if ((mode === "AMLToken" || mode === "AADToken") && model.keys) failing.add("ml-endpoint-auth-exclusive");
    if (mode === "AADToken" && model.kubernetes) failing.add("ml-endpoint-token-compute-supported");
    if (mode !== undefined && !allowed.includes(mode)) failing.add("ml-endpoint-allowed-auth-modes");
    return [...failing].sort();
  }
  if (writing === "generic-resource") return [...AUTH_POLICIES].sort(); // nothing about its auth can be verified
  const flagsCount = writing !== "direct-machine-learning-service";
  const authEnabled = flagsCount ? model.authEnabled : undefined;
  const tokenFlag = flagsCount && model.aadAuthEnabled === true;
  if (model.compute === "ACI") {
    const key = authEnabled === true;
    if (!key) failing.add("ml-endpoint-auth-required");
    if (key && tokenFlag) failing.add("ml-endpoint-auth-exclusive");
    if (tokenFlag) failing.add("ml-endpoint-token-compute-supported");
    if ((tokenFlag && !key) || (key && !allowed.includes("Key"))) failing.add("ml-endpoint-allowed-auth-modes");
  } else {
    const key = authEnabled !== false;
    if (!key && !tokenFlag) failing.add("ml-endpoint-auth-required");
    if (key && tokenFlag) failing.add("ml-endpoint-auth-exclusive");
    if ((key && !allowed.includes("Key")) || (tokenFlag && !allowed.includes("AMLToken"))) failing.add("ml-endpoint-allowed-auth-modes");
  }
  return [...failing].sort();
}

// --- writing the service --------------------------------------------------------------------------------

const ENDPOINT_TOKENS = [
  "azure-native:machinelearningservices:OnlineEndpoint",
  "azure-native:machinelearningservices/v20240401:OnlineEndpoint",
  "azure-native_machinelearningservices_v20241001:machinelearningservices/v20241001:OnlineEndpoint",
];

function v1Token(compute: "ACI" | "AKS", variant: number): string {
  const typeName = compute === "ACI" ? "ACIService" : "AKSService";
  return [
    `azure-native:machinelearningservices:${typeName}`,
    `azure-native:machinelearningservices/v20210401:${typeName}`,
    `azure-native_machinelearningservices_v20210401:machinelearningservices/v20210401:${typeName}`,
  ][variant % 3];
}

function withDefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}

/** The endpoint's `properties` (v2) or the service's flat fields (v1), as literal values. */
function literalFields(model: ServiceModel): Record<string, unknown> {
  if (model.generation === "v2") {
    return {
      properties: withDefined({
        authMode: model.authMode,
        keys: model.keys ? { primaryKey: "primary-key-0123456789", secondaryKey: "secondary-key-0123456789" } : undefined,
        compute: model.kubernetes ? COMPUTE_ID : undefined,
      }),
    };
  }
  return withDefined({
    computeType: model.compute,
    computeName: model.compute === "AKS" ? "k8s" : undefined,
    authEnabled: model.authEnabled,
    aadAuthEnabled: model.aadAuthEnabled,
    properties: model.dictionary,
  });
}

function writeDirect(model: ServiceModel, variant: number, machineLearningService: boolean): PulumiResource {
  const fields = literalFields(model);
  if (model.generation === "v2") {
    return {
      type: ENDPOINT_TOKENS[variant % ENDPOINT_TOKENS.length],
      name: "service",
      props: { resourceGroupName: "rg", workspaceName: "mlw", endpointName: "scoring", location: "westeurope", ...fields },
    };
  }
  const type = machineLearningService ? "azure-native:machinelearningservices/v20210401:MachineLearningService" : v1Token(model.compute, variant);
  return { type, name: "service", props: { resourceGroupName: "rg", workspaceName: "mlw", serviceName: "scoring", location: "westeurope", ...fields } };
}

type TemplateStyle = "literal" | "parameters" | "variables" | "defaults";

/** Moves every auth value into parameters (given or defaulted) or variables, as template authors do. */
function templated(fields: Record<string, unknown>, style: TemplateStyle) {
  const parameters: Record<string, unknown> = {};
  const given: Record<string, { value: unknown }> = {};
  const variables: Record<string, unknown> = {};
  const indirect = (key: string, value: unknown): unknown => {
    if (style === "literal") return value;
    if (style === "variables") {
      // Strings are split and joined again, so the template must really be evaluated.
      variables[key] = typeof value === "string" && value.length > 1 ? `[concat('${value.slice(0, 1)}', '${value.slice(1).replace(/'/g, "''")}')]` : value;
      return `[variables('${key}')]`;
    }
    const type = typeof value === "boolean" ? "bool" : typeof value === "string" ? "string" : "object";
    parameters[key] = style === "defaults" ? { type, defaultValue: value } : { type };
    if (style === "parameters") given[key] = { value };
    return `[parameters('${key}')]`;
  };
  const resourceFields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key === "properties" && value !== null && typeof value === "object" && !Array.isArray(value) && "authMode" in (value as object)) {
      resourceFields.properties = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, indirect(k, v)]));
    } else if (key === "properties") resourceFields.properties = value;
    else resourceFields[key] = indirect(key, value);
  }
  return { resourceFields, parameters, given, variables };
}

function writeTemplate(model: ServiceModel, style: TemplateStyle): PulumiResource {
  const { resourceFields, parameters, given, variables } = templated(literalFields(model), style);
  const v2 = model.generation === "v2";
  const resource = {
    type: v2 ? "Microsoft.MachineLearningServices/workspaces/onlineEndpoints" : "Microsoft.MachineLearningServices/workspaces/services",
    apiVersion: v2 ? "2024-10-01" : "2021-04-01",
    name: "[format('{0}/{1}', 'mlw', 'scoring')]",
    location: "westeurope",
    ...resourceFields,
  };
  return {
    type: "azure-native:resources:Deployment",
    name: "service",
    props: {
      resourceGroupName: "rg",
      deploymentName: "scoring",
      properties: {
        mode: "Incremental",
        template: {
          $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
          contentVersion: "1.0.0.0",
          parameters,
          variables,
          resources: [resource],
        },
        parameters: given,
      },
    },
  };
}

function writeGeneric(model: ServiceModel): PulumiResource {
  const fields = literalFields(model);
  return {
    type: "azure-native:resources:Resource",
    name: "service",
    props: {
      resourceGroupName: "rg",
      resourceProviderNamespace: "Microsoft.MachineLearningServices",
      parentResourcePath: "workspaces/mlw",
      resourceType: model.generation === "v2" ? "onlineEndpoints" : "services",
      resourceName: "scoring",
      apiVersion: model.generation === "v2" ? "2024-10-01" : "2021-04-01",
      location: "westeurope",
      // A v1 service's flat fields have nowhere to go but `properties` in a generic resource.
      properties: model.generation === "v2" ? fields.properties : fields,
    },
  };
}

/** The Pulumi resource that writes `model` the given way. */
export function writeService(model: ServiceModel, writing: Writing, variant = 0): PulumiResource {
  switch (writing) {
    case "direct":
      return writeDirect(model, variant, false);
    case "direct-machine-learning-service":
      return writeDirect(model, variant, true);
    case "template-literal":
      return writeTemplate(model, "literal");
    case "template-parameters":
      return writeTemplate(model, "parameters");
    case "template-variables":
      return writeTemplate(model, "variables");
    case "template-defaults":
      return writeTemplate(model, "defaults");
    case "generic-resource":
      return writeGeneric(model);
  }
}

// --- arbitraries -----------------------------------------------------------------------------------------

const spelledMode = fc
  .tuple(fc.constantFrom(...AUTH_MODES), fc.constantFrom("as-is", "lower", "upper"))
  .map(([mode, spelling]) => (spelling === "lower" ? mode.toLowerCase() : spelling === "upper" ? mode.toUpperCase() : mode));

export const serviceModelArbitrary: fc.Arbitrary<ServiceModel> = fc.oneof(
  fc.record({
    generation: fc.constant("v2" as const),
    authMode: fc.option(spelledMode, { nil: undefined }),
    keys: fc.boolean(),
    kubernetes: fc.boolean(),
  }),
  fc.record({
    generation: fc.constant("v1" as const),
    compute: fc.constantFrom("ACI" as const, "AKS" as const),
    authEnabled: fc.option(fc.boolean(), { nil: undefined }),
    aadAuthEnabled: fc.option(fc.boolean(), { nil: undefined }),
    dictionary: fc.dictionary(fc.constantFrom("authEnabled", "aadAuthEnabled", "computeType", "owner"), fc.constantFrom("true", "false", "AKS", "ACI", "team")),
  }),
);

const V2_WRITINGS: readonly Writing[] = ["direct", "template-literal", "template-parameters", "template-variables", "template-defaults", "generic-resource"];
const V1_WRITINGS: readonly Writing[] = [...V2_WRITINGS, "direct-machine-learning-service"];

export const allowedAuthModesArbitrary: fc.Arbitrary<AuthMode[]> = fc.subarray([...AUTH_MODES], { minLength: 1 });

/** A declaration with the verdict the auth policies must reach. */
export const serviceDeclarationArbitrary: fc.Arbitrary<ServiceDeclaration> = serviceModelArbitrary.chain((model) =>
  fc
    .record({
      writing: fc.constantFrom(...(model.generation === "v2" ? V2_WRITINGS : V1_WRITINGS)),
      allowedAuthModes: allowedAuthModesArbitrary,
      variant: fc.nat({ max: 2 }),
    })
    .map(({ writing, allowedAuthModes, variant }) => ({
      model,
      writing,
      allowedAuthModes,
      resource: writeService(model, writing, variant),
      expected: expectedViolations(model, writing, allowedAuthModes),
    })),
);
