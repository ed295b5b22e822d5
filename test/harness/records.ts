import type { RecordedResource } from "../../plan/recordedResource";
import { isPlainObject, isSecretEnvelope, UNKNOWN } from "../../plan/wireValues";

/** Wire values as plain JavaScript: secrets unwrapped, unknowns kept as the sentinel. */
export function plain(value: unknown): unknown {
  if (isSecretEnvelope(value)) return plain(value.value);
  if (Array.isArray(value)) return value.map(plain);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
  return value;
}

export const UNKNOWN_VALUE = UNKNOWN;

export function ofType(resources: readonly RecordedResource[], type: string): RecordedResource[] {
  return resources.filter((resource) => resource.type === type);
}

export function single(resources: readonly RecordedResource[], type: string, name?: string): RecordedResource {
  const matches = ofType(resources, type).filter((resource) => name === undefined || resource.name === name);
  if (matches.length !== 1) {
    throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${matches.length}: ${matches.map((m) => m.name).join(", ")}`);
  }
  return matches[0]!;
}

export function inputs(resource: RecordedResource): Record<string, unknown> {
  return plain(resource.inputs) as Record<string, unknown>;
}

export function outputs(resource: RecordedResource): Record<string, unknown> {
  return plain(resource.outputs) as Record<string, unknown>;
}

/** Program resources: everything but the stack itself. */
export function programResources(resources: readonly RecordedResource[]): RecordedResource[] {
  return resources.filter((resource) => resource.type !== "pulumi:pulumi:Stack");
}

export function childrenOf(resources: readonly RecordedResource[], parent: RecordedResource): RecordedResource[] {
  return resources.filter((resource) => resource.parent === parent.urn);
}
