// Every resource a Pulumi resource declares to Azure: itself, or, for an ARM template deployment or a
// generic `resources:Resource`, the ARM resources inside, reshaped into the azure-native input shape of
// their kind so that one rule judges all three ways of writing them.
//
// ARM shapes: Azure/bicep-types-az generated/machinelearningservices/microsoft.machinelearningservices/
// 2021-04-01/types.md (workspaces/services: computeType, authEnabled, aadAuthEnabled at the top of the
// resource, `properties` a free-form dictionary) and .../2024-10-01 (onlineEndpoints: properties.authMode,
// properties.keys, properties.compute); names of child resources are "parent/child".
import { PendingValue, UnresolvedValue, evaluateNameSegments, evaluateTemplateValue, isMarker, type TemplateScope } from "./armExpressions";
import { CheckRunsAtUpdateError, UnknownValueError, isUnknownSentinel, isUnknownValueError, unknownCheckingProxyTarget } from "./policyRuntime";
import { ARM_TYPE_KINDS, type ResourceKind, resourceKindOf } from "./resourceKinds";
import type { Props } from "./values";

/** Raised when a rule reads a value of a declared resource that the pack cannot compute. */
export class CannotVerifyError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
    /** The declared resource the field belongs to, e.g. "ARM template, resource 'ws' (Microsoft.MachineLearningServices/workspaces)". */
    readonly owner?: string,
  ) {
    super(`cannot verify ${field}: ${reason}`);
    this.name = "CannotVerifyError";
  }
}

export interface Declaration {
  readonly kind: ResourceKind;
  /** Inputs in the azure-native shape of `kind`; reading a value the pack cannot compute throws. */
  readonly props: Props;
  /** Where the declaration sits, for messages ("ARM template resource 'ws/ep'"); undefined for the resource itself. */
  readonly origin?: string;
  /** The ARM name ("ws/ep") of a declared resource. */
  readonly armName?: string;
}

export interface Declarations {
  readonly declarations: readonly Declaration[];
  /** Parts the pack cannot read at all (linked templates), each saying why and how to fix it. */
  readonly opaque: readonly string[];
}

// --- reading the program's values ----------------------------------------------------------------------

/**
 * Plain data of `props[key]` (or of `props` itself), as reading it through the server's unknown-checking
 * proxy gives it: a value unknown during preview becomes a PendingValue whose cause is the error the
 * proxy throws, except an unknown array element, whose error escapes (the proxy throws it while the
 * array is copied). `props` is a resource's props as the server gives them, so paths start at the root.
 */
function materialize(props: Props, key?: string): unknown {
  const target = unknownCheckingProxyTarget(props);
  if (target === undefined) return key === undefined ? materializeRead(() => props) : materializeRead(() => props[key]);
  if (key === undefined) return plainData(target, []);
  const value = (target as Props)[key];
  return isUnknownSentinel(value) ? new PendingValue(new UnknownValueError(value, [key])) : plainData(value, [key]);
}

/** `materialize` on the data behind the proxy, read directly: the proxy's outcome without a proxy per value read. */
function plainData(value: unknown, path: readonly string[]): unknown {
  if (Array.isArray(value)) {
    const list: readonly unknown[] = value;
    return list.map((element, i) => {
      const at = [...path, String(i)];
      if (isUnknownSentinel(element)) throw new UnknownValueError(element, at);
      return plainData(element, at);
    });
  }
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record).map((key) => {
        const field = record[key];
        const at = [...path, key];
        return [key, isUnknownSentinel(field) ? new PendingValue(new UnknownValueError(field, at)) : plainData(field, at)];
      }),
    );
  }
  return value;
}

/** `materialize` through whatever proxy `read` reads (props that are not the server's). */
function materializeRead(read: () => unknown): unknown {
  let value: unknown;
  try {
    value = read();
  } catch (error) {
    if (isUnknownValueError(error)) return new PendingValue(error);
    throw error;
  }
  if (Array.isArray(value)) {
    const list: readonly unknown[] = value;
    return list.map((_, i) => materializeRead(() => list[i]));
  }
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).map((key) => [key, materializeRead(() => record[key])]));
  }
  return value;
}

/** Declared values behind a proxy that throws on markers: pending values as the engine's unknowns do. */
function guard(value: unknown, path: string, owner: string): unknown {
  if (value instanceof PendingValue) throw value.cause;
  if (value instanceof UnresolvedValue) throw new CannotVerifyError(path, value.reason, owner);
  if (value === null || typeof value !== "object") return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      const found: unknown = Reflect.get(target, key, receiver);
      if (typeof key === "symbol") return found;
      return guard(found, path === "" ? key : `${path}.${key}`, owner);
    },
  });
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !isMarker(value) ? (value as Record<string, unknown>) : undefined;
}

function findKey(record: Record<string, unknown> | undefined, key: string): unknown {
  if (!record) return undefined;
  const found = Object.keys(record).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : record[found];
}

// --- reshaping ARM resources into azure-native inputs --------------------------------------------------

/** An ARM resource after its expressions were evaluated. */
interface ArmResource {
  readonly type: string;
  /** The name's segments ("ws", "ep" for "ws/ep"); a segment may be a marker. */
  readonly name: readonly unknown[];
  readonly body: Record<string, unknown>;
  /** Top-level fields a generic resource cannot send (it sends only the ARM envelope). */
  readonly envelopeOnly: boolean;
}

const ENVELOPE_KEYS = new Set(["type", "apiversion", "name", "dependson", "condition", "copy", "comments", "resources", "scope", "existing"]);

function withoutEnvelope(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([key]) => !ENVELOPE_KEYS.has(key.toLowerCase())));
}

/** Top-level fields ARM sends besides `properties`; anything else at the top of such a resource is not the resource's. */
const ENVELOPE_FIELDS = new Set(["location", "sku", "identity", "tags", "kind", "plan", "zones", "extendedlocation", "managedby"]);

/**
 * For kinds whose azure-native inputs are flat (Workspace, Extension, StorageAccount, ...): the envelope
 * fields and the contents of `properties`, which is where Azure reads the settings. When `properties`
 * itself cannot be computed, every setting read from it reports why.
 */
function flattenProperties(body: Record<string, unknown>, name: Record<string, unknown>): Record<string, unknown> {
  const envelope = { ...name, ...Object.fromEntries(Object.entries(body).filter(([key]) => ENVELOPE_FIELDS.has(key.toLowerCase()))) };
  const properties = findKey(body, "properties");
  if (isMarker(properties)) {
    return new Proxy(envelope, {
      get: (target, key, receiver) => (typeof key === "string" && !(key in target) ? properties : Reflect.get(target, key, receiver)),
    });
  }
  return { ...envelope, ...(asRecord(properties) ?? {}) };
}

const GENERIC_V1_SERVICE =
  "a generic resource sends only the ARM envelope (location, properties, sku, ...), but Azure reads a v1 service's " +
  "computeType, authEnabled and aadAuthEnabled at the top of the request; declare it with ACIService/AKSService or " +
  "in an ARM template";

/** The azure-native input shape of `kind` for an ARM resource. */
function toInputs(kind: ResourceKind, resource: ArmResource): Record<string, unknown> {
  const parts = resource.name;
  const last = parts[parts.length - 1];
  const body = resource.body;
  switch (kind) {
    case "mlWorkspace":
      return flattenProperties(body, { workspaceName: last });
    case "onlineEndpoint":
      return { workspaceName: parts[0], endpointName: last, ...withoutEnvelope(body) };
    case "mlCompute":
      return { workspaceName: parts[0], computeName: last, ...withoutEnvelope(body) };
    case "v1DeclaredService": {
      const inputs = { workspaceName: parts[0], serviceName: last, ...withoutEnvelope(body) };
      if (!resource.envelopeOnly) return inputs;
      const unsettable = new UnresolvedValue(GENERIC_V1_SERVICE);
      return { ...inputs, computeType: unsettable, authEnabled: unsettable, aadAuthEnabled: unsettable };
    }
    case "clusterExtension":
      return flattenProperties(body, { extensionName: last });
    case "managedCluster":
      return flattenProperties(body, { resourceName: last });
    case "storageAccount":
      return flattenProperties(body, { accountName: last });
    case "containerRegistry":
      return flattenProperties(body, { registryName: last });
    case "keyVault":
      return { vaultName: last, ...withoutEnvelope(body) };
    default:
      return withoutEnvelope(body);
  }
}

function describeName(segments: readonly unknown[]): string {
  return segments.map((segment) => (typeof segment === "string" ? segment : "(unknown)")).join("/");
}

function declare(resource: ArmResource, where: string): Declaration | undefined {
  const kind = ARM_TYPE_KINDS[resource.type.toLowerCase()];
  if (kind === undefined) return undefined;
  const origin = `${where} '${describeName(resource.name)}' (${resource.type})`;
  return { kind, props: guard(toInputs(kind, resource), "", origin) as Props, origin, armName: describeName(resource.name) };
}

// --- templates -----------------------------------------------------------------------------------------

const MAX_NESTING = 10;

interface TemplateSource {
  /** The template as given (its expressions not yet evaluated). */
  readonly template: unknown;
  /** `properties.parameters`: `{ name: { value } }`, already evaluated in the caller's scope. */
  readonly parameters: unknown;
  /** Why parameters without a value have none, e.g. a parametersLink. */
  readonly parametersFrom?: string;
  readonly resourceGroupName: unknown;
  readonly context: DeclarationContext;
}

/** What a stack policy knows beyond the resource itself. */
export interface DeclarationContext {
  /** The location of a resource group of the stack: a value, a PendingValue, or undefined when not in the stack. */
  readonly resourceGroupLocation?: (resourceGroupName: string) => unknown;
}

function resourceGroupLocation(source: TemplateSource): unknown {
  const name = source.resourceGroupName;
  if (isMarker(name)) return name;
  if (typeof name !== "string") return new UnresolvedValue("resourceGroup() of a deployment whose resource group the pack does not know");
  if (!source.context.resourceGroupLocation) {
    return new UnresolvedValue(`resourceGroup().location is the location of resource group '${name}', which only the stack policy can look up`);
  }
  return (
    source.context.resourceGroupLocation(name) ??
    new UnresolvedValue(`resourceGroup().location is the location of resource group '${name}', which is not in this stack; set the location explicitly`)
  );
}

function templateScope(source: TemplateSource): TemplateScope {
  const template = asRecord(source.template);
  const declared = asRecord(findKey(template, "parameters"));
  const given = asRecord(source.parameters);
  const variables = asRecord(findKey(template, "variables"));
  const parameterCache = new Map<string, unknown>();
  const variableCache = new Map<string, unknown>();
  const evaluating = new Set<string>();
  const scope: TemplateScope = {
    resourceGroupName: source.resourceGroupName,
    resourceGroupLocation: resourceGroupLocation(source),
    parameter(name) {
      if (parameterCache.has(name)) return parameterCache.get(name);
      const entry = findKey(given, name);
      let value: unknown;
      if (isMarker(entry)) value = entry;
      else if (asRecord(entry) && "value" in (entry as object)) value = (entry as Record<string, unknown>).value;
      else if (asRecord(entry) && "reference" in (entry as object)) value = new UnresolvedValue(`parameter '${name}' is a Key Vault reference`);
      else if (isMarker(source.parameters)) value = source.parameters;
      else if (source.parametersFrom) value = new UnresolvedValue(`parameter '${name}' comes from ${source.parametersFrom}`);
      else {
        const definition = asRecord(findKey(declared, name));
        const fallback = findKey(definition, "defaultValue");
        if (fallback === undefined) value = new UnresolvedValue(`parameter '${name}' has no value and no defaultValue`);
        else if (evaluating.has(`p:${name}`)) value = new UnresolvedValue(`parameter '${name}' refers to itself`);
        else {
          evaluating.add(`p:${name}`);
          value = evaluateTemplateValue(fallback, scope);
          evaluating.delete(`p:${name}`);
        }
      }
      parameterCache.set(name, value);
      return value;
    },
    variable(name) {
      if (variableCache.has(name)) return variableCache.get(name);
      const raw = findKey(variables, name);
      let value: unknown;
      if (raw === undefined) value = new UnresolvedValue(`variable '${name}' is not defined`);
      else if (evaluating.has(`v:${name}`)) value = new UnresolvedValue(`variable '${name}' refers to itself`);
      else {
        evaluating.add(`v:${name}`);
        value = evaluateTemplateValue(raw, scope);
        evaluating.delete(`v:${name}`);
      }
      variableCache.set(name, value);
      return value;
    },
  };
  return scope;
}

interface Collector {
  readonly declarations: Declaration[];
  readonly opaque: string[];
}

function templateResources(template: Record<string, unknown>): unknown[] {
  const resources = findKey(template, "resources");
  if (Array.isArray(resources)) return resources;
  // languageVersion 2.0 names resources by symbolic name.
  const symbolic = asRecord(resources);
  return symbolic ? Object.values(symbolic) : [];
}

function collectTemplate(source: TemplateSource, where: string, depth: number, out: Collector): void {
  if (isMarker(source.template)) {
    if (source.template instanceof PendingValue) throw source.template;
    out.opaque.push(`${where}: its template cannot be computed (${source.template.reason})`);
    return;
  }
  const template = asRecord(source.template);
  if (!template) {
    out.opaque.push(`${where}: its template is not a template object`);
    return;
  }
  const scope = templateScope(source);
  for (const raw of templateResources(template)) collectResource(raw, undefined, scope, where, depth, out, source.context);
}

function collectResource(
  raw: unknown,
  parent: { readonly type: string; readonly name: readonly unknown[] } | undefined,
  scope: TemplateScope,
  where: string,
  depth: number,
  out: Collector,
  context: DeclarationContext,
): void {
  const definition = asRecord(raw);
  if (!definition) return;
  if (findKey(definition, "existing") === true) return; // a reference to a resource, not a deployment of it
  const condition = evaluateTemplateValue(findKey(definition, "condition"), scope);
  if (condition === false) return;
  const evaluated = asRecord(evaluateTemplateValue(withoutChildren(definition), scope)) ?? {};
  const ownType = findKey(evaluated, "type");
  const ownName = evaluateNameSegments(findKey(definition, "name"), scope);
  if (ownType instanceof PendingValue) throw ownType;
  if (typeof ownType !== "string") {
    out.opaque.push(`${where}: a resource whose type cannot be computed`);
    return;
  }
  // A child declared inside its parent names only its own type segment and name.
  const type = parent && !ownType.includes("/") ? `${parent.type}/${ownType}` : ownType;
  const name = parent && !ownType.includes("/") ? [...parent.name, ...ownName] : ownName;
  const resource: ArmResource = { type, name, body: evaluated, envelopeOnly: false };
  if (type.toLowerCase() === "microsoft.resources/deployments") collectNested(resource, definition, scope, where, depth, out, context);
  else {
    const declaration = declare(resource, `${where}, resource`);
    if (declaration) out.declarations.push(declaration);
  }
  const children = findKey(definition, "resources");
  if (Array.isArray(children)) for (const child of children) collectResource(child, { type, name }, scope, where, depth, out, context);
}

function withoutChildren(definition: Record<string, unknown>): Record<string, unknown> {
  // Nested templates and child resources are evaluated in their own scope, below.
  const { resources: _children, ...rest } = definition;
  const properties = asRecord(rest.properties);
  if (properties && typeof rest.type === "string" && rest.type.toLowerCase() === "microsoft.resources/deployments") {
    const { template: _template, ...otherProperties } = properties;
    return { ...rest, properties: otherProperties };
  }
  return rest;
}

function collectNested(
  resource: ArmResource,
  definition: Record<string, unknown>,
  outerScope: TemplateScope,
  where: string,
  depth: number,
  out: Collector,
  context: DeclarationContext,
): void {
  const nestedWhere = `${where}, nested deployment '${describeName(resource.name)}'`;
  if (depth >= MAX_NESTING) {
    out.opaque.push(`${nestedWhere}: nested more than ${MAX_NESTING} deep`);
    return;
  }
  const properties = asRecord(resource.body.properties) ?? {};
  const rawProperties = asRecord(definition.properties) ?? {};
  const rawTemplate = findKey(rawProperties, "template");
  // A template given as an expression (e.g. from a variable) is evaluated in the parent's scope.
  const template = typeof rawTemplate === "string" ? evaluateTemplateValue(rawTemplate, outerScope) : rawTemplate;
  if (template === undefined) {
    if (findKey(properties, "templateLink") !== undefined) out.opaque.push(`${nestedWhere}: its template is linked (templateLink), which the pack cannot read; inline it as properties.template`);
    return;
  }
  const options = asRecord(findKey(properties, "expressionEvaluationOptions"));
  const innerScope = typeof findKey(options, "scope") === "string" && String(findKey(options, "scope")).toLowerCase() === "inner";
  if (!innerScope) {
    // Outer scope (the default): the nested template's expressions are evaluated with the parent's values.
    if (template instanceof PendingValue) throw template;
    const nested = asRecord(template);
    if (!nested) {
      out.opaque.push(`${nestedWhere}: its template cannot be computed${template instanceof UnresolvedValue ? ` (${template.reason})` : ""}`);
      return;
    }
    for (const raw of templateResources(nested)) collectResource(raw, undefined, outerScope, nestedWhere, depth + 1, out, context);
    return;
  }
  if (typeof rawTemplate === "string") {
    // Which of its expressions ARM evaluates in the parent's scope and which in its own is not something
    // the pack can tell once the template went through an expression: it does not guess.
    out.opaque.push(`${nestedWhere}: an inner-scope template given by an expression (${rawTemplate}); inline it as properties.template`);
    return;
  }
  collectTemplate(
    {
      template,
      parameters: findKey(properties, "parameters"),
      parametersFrom: findKey(properties, "parametersLink") !== undefined ? "a parametersLink the pack cannot read" : undefined,
      resourceGroupName: findKey(properties, "resourceGroup") ?? outerScope.resourceGroupName,
      context,
    },
    nestedWhere,
    depth + 1,
    out,
  );
}

// --- entry points --------------------------------------------------------------------------------------

/** A deployment's template and parameters: under `properties` for deployments, at the top for deployment stacks. */
function deploymentDeclarations(props: Props, atTop: boolean, context: DeclarationContext): Collector {
  const out: Collector = { declarations: [], opaque: [] };
  const properties = atTop ? materialize(props) : materialize(props, "properties");
  if (properties instanceof PendingValue) throw properties;
  const record = asRecord(properties) ?? {};
  const template = findKey(record, "template");
  if (template === undefined) {
    if (findKey(record, "templateLink") !== undefined) {
      out.opaque.push("its template is linked (properties.templateLink), which the pack cannot read; inline it as properties.template");
    }
    return out;
  }
  collectTemplate(
    {
      template,
      parameters: findKey(record, "parameters"),
      parametersFrom: findKey(record, "parametersLink") !== undefined ? "properties.parametersLink, which the pack cannot read" : undefined,
      resourceGroupName: materialize(props, "resourceGroupName"),
      context,
    },
    "ARM template",
    0,
    out,
  );
  return out;
}

/** `resources:Resource`: the ARM type is namespace + parent types + resourceType, the name parent names + resourceName. */
function genericDeclarations(props: Props): Collector {
  const out: Collector = { declarations: [], opaque: [] };
  const read = (key: string): unknown => {
    const value = materialize(props, key);
    if (value instanceof PendingValue) throw value;
    return value;
  };
  const namespace = read("resourceProviderNamespace");
  const parentPath = read("parentResourcePath");
  const resourceType = read("resourceType");
  if (typeof namespace !== "string" || typeof resourceType !== "string") return out;
  const parentSegments = typeof parentPath === "string" ? parentPath.split("/").filter((s) => s !== "") : [];
  const parentTypes = parentSegments.filter((_, i) => i % 2 === 0);
  const parentNames = parentSegments.filter((_, i) => i % 2 === 1);
  const type = [namespace, ...parentTypes, resourceType].join("/");
  const name = [...parentNames, materialize(props, "resourceName")];
  const body = Object.fromEntries(
    ["location", "properties", "identity", "sku", "kind", "tags", "plan", "managedBy", "extendedLocation"].map((key) => [key, materialize(props, key)]),
  );
  const declaration = declare({ type, name, body, envelopeOnly: true }, "generic resource");
  if (declaration) out.declarations.push(declaration);
  return out;
}

/** What reading the resources a deployment or generic resource declares came to. */
type Reading = { readonly found: Declarations } | { readonly pending: PendingValue } | { readonly failed: unknown };

/**
 * Readings by the data behind a resource's props. The server gives every policy judging one resource the
 * same data when it is deserialized once (see deserializeOnce.ts), so the template is evaluated once per
 * resource, not once per policy. Keyed by that object, never by content: nothing another resource sends
 * can reach a reading. A stack policy's reading depends on its context and is not kept.
 */
const readings = new WeakMap<object, { readonly type: string; readonly reading: Reading }>();

function readDeclarations(kind: ResourceKind, type: string, props: Props, context: DeclarationContext): Reading {
  const read = (): Reading => {
    try {
      return { found: kind === "genericResource" ? genericDeclarations(props) : deploymentDeclarations(props, kind === "deploymentStack", context) };
    } catch (error) {
      return error instanceof PendingValue ? { pending: error } : { failed: error };
    }
  };
  const data = context.resourceGroupLocation === undefined ? unknownCheckingProxyTarget(props) : undefined;
  if (data === undefined) return read();
  const kept = readings.get(data);
  if (kept?.type === type) return kept.reading;
  const reading = read();
  readings.set(data, { type, reading });
  return reading;
}

/**
 * The resources `type` declares to Azure. Throws CheckRunsAtUpdateError when the template or the
 * generic resource's type is unknown during preview, so the policy runs at update. `props` is a
 * resource's props as the server gives them (or plain data), not a value read from them.
 */
export function declarationsOf(type: string, props: Props, policyName: string, context: DeclarationContext = {}): Declarations {
  const kind = resourceKindOf(type);
  if (kind === undefined) return { declarations: [], opaque: [] };
  if (kind !== "templateDeployment" && kind !== "deploymentStack" && kind !== "genericResource") return { declarations: [{ kind, props }], opaque: [] };
  const reading = readDeclarations(kind, type, props, context);
  if ("found" in reading) return reading.found;
  if ("failed" in reading) throw reading.failed;
  const what = kind === "genericResource" ? "the generic resource's type" : "the template deployment's properties";
  throw new CheckRunsAtUpdateError(
    `${reading.pending.cause.message}: ${what} are computed from another resource's output, so the resources it declares are not known; ${policyName} runs at update`,
    reading.pending.cause,
  );
}
