// ARM template expressions, evaluated as far as the values the program gives allow. A string that starts
// with "[" and ends with "]" is an expression; "[[" escapes a literal bracket. Function and parameter
// names are case-insensitive. Source: learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions
// and template-functions-{deployment,string,logical,comparison,resource}.
import type { UnknownValueErrorShape } from "./policyRuntime";

/** A value that exists only once Pulumi knows another resource's output (unknown during preview). */
export class PendingValue {
  constructor(readonly cause: UnknownValueErrorShape) {}
}

/** A value the pack cannot compute from the template and the program (a function it does not evaluate, a linked file). */
export class UnresolvedValue {
  constructor(readonly reason: string) {}
}

export type Marker = PendingValue | UnresolvedValue;

export function isMarker(value: unknown): value is Marker {
  return value instanceof PendingValue || value instanceof UnresolvedValue;
}

/** Placeholder for `subscription().subscriptionId`, which a template knows only when it runs. */
export const SUBSCRIPTION_PLACEHOLDER = "{subscription}";

/** What expressions can see: parameter values, variables and the deployment's resource group. */
export interface TemplateScope {
  /** Lower-cased parameter name to its value (already evaluated in the caller's scope) or a marker. */
  readonly parameter: (name: string) => unknown;
  readonly variable: (name: string) => unknown;
  /** The resource group the deployment targets, when known. */
  readonly resourceGroupName: unknown;
  /** That resource group's location: known only when the stack holds the resource group (stack policies). */
  readonly resourceGroupLocation: unknown;
}

// --- parsing -------------------------------------------------------------------------------------------

type Node =
  | { readonly type: "literal"; readonly value: unknown }
  | { readonly type: "call"; readonly name: string; readonly args: readonly Node[] }
  | { readonly type: "member"; readonly target: Node; readonly key: Node };

class ExpressionSyntaxError extends Error {}

function parse(source: string): Node {
  let at = 0;
  const skipSpace = (): void => {
    while (at < source.length && /\s/.test(source[at])) at++;
  };
  const expect = (char: string): void => {
    skipSpace();
    if (source[at] !== char) throw new ExpressionSyntaxError(`expected '${char}' at ${at} in [${source}]`);
    at++;
  };
  const primary = (): Node => {
    skipSpace();
    const char = source[at];
    if (char === "'") {
      let text = "";
      at++;
      for (;;) {
        if (at >= source.length) throw new ExpressionSyntaxError(`unterminated string in [${source}]`);
        if (source[at] === "'") {
          if (source[at + 1] === "'") {
            text += "'";
            at += 2;
            continue;
          }
          at++;
          return { type: "literal", value: text };
        }
        text += source[at++];
      }
    }
    const number = /^-?\d+/.exec(source.slice(at));
    if (number) {
      at += number[0].length;
      return { type: "literal", value: Number(number[0]) };
    }
    const identifier = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(source.slice(at));
    if (!identifier) throw new ExpressionSyntaxError(`unexpected '${char ?? "end"}' at ${at} in [${source}]`);
    const name = identifier[0];
    at += name.length;
    skipSpace();
    if (source[at] !== "(") {
      const lowered = name.toLowerCase();
      if (lowered === "true" || lowered === "false") return { type: "literal", value: lowered === "true" };
      if (lowered === "null") return { type: "literal", value: null };
      throw new ExpressionSyntaxError(`'${name}' is not a function call in [${source}]`);
    }
    at++;
    const args: Node[] = [];
    skipSpace();
    if (source[at] === ")") at++;
    else {
      for (;;) {
        args.push(expression());
        skipSpace();
        if (source[at] === ",") {
          at++;
          continue;
        }
        expect(")");
        break;
      }
    }
    return { type: "call", name: name.toLowerCase(), args };
  };
  const expression = (): Node => {
    let node = primary();
    for (;;) {
      skipSpace();
      if (source[at] === ".") {
        at++;
        skipSpace();
        const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(at));
        if (!key) throw new ExpressionSyntaxError(`expected a property name at ${at} in [${source}]`);
        at += key[0].length;
        node = { type: "member", target: node, key: { type: "literal", value: key[0] } };
      } else if (source[at] === "[") {
        at++;
        const key = expression();
        expect("]");
        node = { type: "member", target: node, key };
      } else return node;
    }
  };
  const node = expression();
  skipSpace();
  if (at !== source.length) throw new ExpressionSyntaxError(`unexpected '${source[at]}' at ${at} in [${source}]`);
  return node;
}

// --- evaluation ----------------------------------------------------------------------------------------

/** The first marker among values: a pending value wins, since it may resolve at update. */
function firstMarker(values: readonly unknown[]): Marker | undefined {
  return values.find((v): v is PendingValue => v instanceof PendingValue) ?? values.find((v): v is UnresolvedValue => v instanceof UnresolvedValue);
}

function asText(value: unknown, fn: string): string | UnresolvedValue {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return new UnresolvedValue(`${fn}() got a ${value === null ? "null" : typeof value} it cannot turn into text`);
}

function format(template: string, args: readonly unknown[]): string | UnresolvedValue {
  let failed: UnresolvedValue | undefined;
  const text = template.replace(/\{\{|\}\}|\{(\d+)(:[^}]*)?\}/g, (match, index: string | undefined, spec: string | undefined) => {
    if (match === "{{") return "{";
    if (match === "}}") return "}";
    if (spec !== undefined) failed ??= new UnresolvedValue(`format() with a format specifier (${match}) is not evaluated`);
    const value = args[Number(index)];
    if (value === undefined) failed ??= new UnresolvedValue(`format() has no argument ${index}`);
    const piece = asText(value, "format");
    if (piece instanceof UnresolvedValue) failed ??= piece;
    return typeof piece === "string" ? piece : "";
  });
  return failed ?? text;
}

/** `resourceId([subscriptionId], [resourceGroupName], resourceType, name1, ...)` as an ARM id. */
function resourceId(args: readonly unknown[], scope: TemplateScope): string | UnresolvedValue {
  const typeIndex = args.findIndex((arg) => typeof arg === "string" && arg.includes("/"));
  if (typeIndex < 0 || typeIndex > 2) return new UnresolvedValue("resourceId() without a resource type");
  const [namespace, ...types] = (args[typeIndex] as string).split("/");
  const names = args.slice(typeIndex + 1);
  if (names.length !== types.length || !names.every((n) => typeof n === "string")) {
    return new UnresolvedValue("resourceId() whose names do not match its resource type");
  }
  const scopeArgs = args.slice(0, typeIndex);
  const resourceGroup = scopeArgs.length > 0 ? scopeArgs[scopeArgs.length - 1] : scope.resourceGroupName;
  const subscription = scopeArgs.length === 2 ? scopeArgs[0] : SUBSCRIPTION_PLACEHOLDER;
  if (typeof resourceGroup !== "string" || typeof subscription !== "string") {
    return new UnresolvedValue("resourceId() in a resource group the pack does not know");
  }
  const path = types.map((type, i) => `${type}/${names[i] as string}`).join("/");
  return `/subscriptions/${subscription}/resourceGroups/${resourceGroup}/providers/${namespace}/${path}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !isMarker(value);
}

/** union() of objects: later keys win, nested objects merge (template-functions-object, union). */
function mergeObjects(into: Record<string, unknown>, from: unknown): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...into };
  for (const [key, value] of Object.entries(from as Record<string, unknown>)) {
    const existing = Object.hasOwn(merged, key) ? merged[key] : undefined;
    const next = isPlainObject(existing) && isPlainObject(value) ? mergeObjects(existing, value) : value;
    // defineProperty: a key such as "__proto__" stays a plain key.
    Object.defineProperty(merged, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return merged;
}

function jsonValue(text: unknown): unknown {
  if (typeof text !== "string") return new UnresolvedValue("json() of a value that is not a string");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return new UnresolvedValue("json() of text that is not JSON");
  }
}

function member(target: unknown, key: unknown): unknown {
  if (target === null || typeof target !== "object") return new UnresolvedValue(`property ${JSON.stringify(key)} of a non-object`);
  if (Array.isArray(target)) return typeof key === "number" ? target[key] : new UnresolvedValue("array index that is not a number");
  if (typeof key !== "string") return new UnresolvedValue("object key that is not a string");
  const found = Object.keys(target).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? new UnresolvedValue(`the object has no property '${key}'`) : (target as Record<string, unknown>)[found];
}

function evaluateNode(node: Node, scope: TemplateScope): unknown {
  if (node.type === "literal") return node.value;
  if (node.type === "member") {
    const target = evaluateNode(node.target, scope);
    const key = evaluateNode(node.key, scope);
    return firstMarker([target, key]) ?? member(target, key);
  }
  const arg = (i: number): unknown => (node.args[i] === undefined ? undefined : evaluateNode(node.args[i], scope));
  const all = (): unknown[] => node.args.map((a) => evaluateNode(a, scope));
  switch (node.name) {
    case "parameters":
    case "variables": {
      const name = arg(0);
      if (isMarker(name)) return name;
      if (typeof name !== "string") return new UnresolvedValue(`${node.name}() needs a name`);
      return node.name === "parameters" ? scope.parameter(name.toLowerCase()) : scope.variable(name.toLowerCase());
    }
    case "if": {
      const condition = arg(0);
      if (isMarker(condition)) return condition;
      if (typeof condition !== "boolean") return new UnresolvedValue("if() with a condition that is not a boolean");
      return condition ? arg(1) : arg(2);
    }
    default:
      break;
  }
  const args = all();
  const marker = firstMarker(args);
  if (marker) return marker;
  switch (node.name) {
    case "concat":
      if (args.every(Array.isArray)) return args.flat();
      return args.reduce<string | UnresolvedValue>((text, value) => {
        if (text instanceof UnresolvedValue) return text;
        const piece = asText(value, "concat");
        return piece instanceof UnresolvedValue ? piece : text + piece;
      }, "");
    case "format":
      return typeof args[0] === "string" ? format(args[0], args.slice(1)) : new UnresolvedValue("format() needs a format string");
    case "tolower":
    case "toupper": {
      const text = asText(args[0], node.name);
      if (text instanceof UnresolvedValue) return text;
      return node.name === "tolower" ? text.toLowerCase() : text.toUpperCase();
    }
    case "string":
      return typeof args[0] === "object" && args[0] !== null ? JSON.stringify(args[0]) : asText(args[0], "string");
    case "bool":
      if (typeof args[0] === "boolean") return args[0];
      if (typeof args[0] === "number") return args[0] !== 0;
      if (typeof args[0] === "string" && /^(true|false)$/i.test(args[0])) return args[0].toLowerCase() === "true";
      return new UnresolvedValue("bool() of a value that is not true or false");
    case "true":
      return true;
    case "false":
      return false;
    case "null":
      return null;
    case "equals":
      return typeof args[0] === "object" || typeof args[1] === "object"
        ? JSON.stringify(args[0]) === JSON.stringify(args[1])
        : args[0] === args[1];
    case "not":
      return typeof args[0] === "boolean" ? !args[0] : new UnresolvedValue("not() of a value that is not a boolean");
    case "and":
    case "or":
      if (!args.every((a) => typeof a === "boolean")) return new UnresolvedValue(`${node.name}() of values that are not booleans`);
      return node.name === "and" ? args.every(Boolean) : args.some(Boolean);
    case "resourceid":
      return resourceId(args, scope);
    case "resourcegroup":
      return { name: scope.resourceGroupName, location: scope.resourceGroupLocation };
    case "json":
      return jsonValue(args[0]);
    case "createobject":
      if (args.length % 2 !== 0 || !args.every((a, i) => i % 2 === 1 || typeof a === "string")) {
        return new UnresolvedValue("createObject() needs key and value pairs");
      }
      return Object.fromEntries(args.flatMap((a, i) => (i % 2 === 0 ? [[a as string, args[i + 1]]] : [])));
    case "union":
      return args.every(isPlainObject) ? args.reduce(mergeObjects, {}) : args.every(Array.isArray) ? [...new Set(args.flat())] : new UnresolvedValue("union() of values that are neither all objects nor all arrays");
    case "coalesce":
      return args.find((a) => a !== null && a !== undefined) ?? null;
    case "empty":
      if (typeof args[0] === "string" || Array.isArray(args[0])) return args[0].length === 0;
      if (isPlainObject(args[0])) return Object.keys(args[0]).length === 0;
      return args[0] === null;
    default:
      return new UnresolvedValue(`the template function ${node.name}() is not evaluated by the policy pack`);
  }
}

/** Evaluates one expression string (with its brackets) in `scope`. */
export function evaluateExpression(expression: string, scope: TemplateScope): unknown {
  try {
    return evaluateNode(parse(expression.slice(1, -1)), scope);
  } catch (error) {
    if (error instanceof ExpressionSyntaxError) return new UnresolvedValue(`the expression ${expression} is not valid: ${error.message}`);
    throw error;
  }
}

/**
 * The segments of a child resource's name. `[format('{0}/{1}', ws, ep)]` (what Bicep emits for child
 * names) yields each segment on its own, so a segment unknown during preview leaves the others known.
 */
export function evaluateNameSegments(name: unknown, scope: TemplateScope): unknown[] {
  if (isExpression(name)) {
    try {
      const node = parse(name.slice(1, -1));
      if (node.type === "call" && node.name === "format" && node.args[0]?.type === "literal") {
        const pattern = node.args[0].value;
        if (typeof pattern === "string" && /^\{\d+\}(\/\{\d+\})*$/.test(pattern)) {
          return pattern.split("/").map((piece) => {
            const arg = node.args[Number(piece.slice(1, -1)) + 1];
            return arg === undefined ? new UnresolvedValue(`format() has no argument ${piece}`) : evaluateNode(arg, scope);
          });
        }
      }
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
    }
  }
  const whole = evaluateTemplateValue(name, scope);
  return typeof whole === "string" ? whole.split("/") : [whole];
}

export function isExpression(value: unknown): value is string {
  return typeof value === "string" && value.startsWith("[") && value.endsWith("]") && !value.startsWith("[[");
}

/** A template value with its expressions evaluated, deeply; markers stay where a value cannot be computed. */
export function evaluateTemplateValue(value: unknown, scope: TemplateScope): unknown {
  if (isMarker(value)) return value;
  if (typeof value === "string") {
    if (value.startsWith("[[")) return value.slice(1);
    return isExpression(value) ? evaluateExpression(value, scope) : value;
  }
  if (Array.isArray(value)) return value.map((item) => evaluateTemplateValue(item, scope));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, evaluateTemplateValue(item, scope)]));
  }
  return value;
}
