/**
 * Pulumi's wire encoding of property values, as the engine and the policy analyzer see them.
 * Recorded inputs and outputs keep this encoding so that secrets and unknowns survive until a
 * reporter redacts them or the analyzer decodes them.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";

export const REDACTED_SECRET = "[secret]";
export const UNKNOWN_DURING_PREVIEW = "(known after apply)";

export type WireValue = null | boolean | number | string | WireValue[] | { [key: string]: WireValue };

export function isSecretEnvelope(value: unknown): value is { value: WireValue } {
  return isPlainObject(value) && value[SIG_KEY] === SECRET_SIG;
}

export function isResourceReference(value: unknown): value is { urn: string; id?: string } {
  return isPlainObject(value) && value[SIG_KEY] === RESOURCE_REFERENCE_SIG;
}

/** Replaces secrets with a fixed marker and unknowns with a readable placeholder, for display. */
export function redact(value: unknown): unknown {
  if (value === UNKNOWN) return UNKNOWN_DURING_PREVIEW;
  if (isSecretEnvelope(value)) return REDACTED_SECRET;
  if (isResourceReference(value)) return value.urn;
  if (Array.isArray(value)) return value.map(redact);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redact(inner)]));
  }
  return value;
}

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (isPlainObject(value)) return Object.values(value).some(containsUnknown);
  return false;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Property values as the engine passes them to a provider or an analyzer: secrets stay enveloped,
 * unknowns stay the unknown sentinel, internal keys (`__...`) are skipped and resource references
 * become their id (unknown while the id is) or, for components, their URN.
 */
export function engineProperties(properties: Record<string, WireValue>): Record<string, WireValue> {
  return engineValue(properties) as Record<string, WireValue>;
}

function engineValue(value: WireValue): WireValue {
  if (isResourceReference(value)) {
    const reference = value as unknown as { urn: string; id?: WireValue };
    if (reference.id === undefined) return reference.urn;
    return reference.id === "" || reference.id === null ? UNKNOWN : engineValue(reference.id);
  }
  if (Array.isArray(value)) return value.map(engineValue);
  if (isPlainObject(value)) {
    const result: { [key: string]: WireValue } = {};
    // an assignment is a definition here: every key that could set a prototype starts with "__"
    for (const key of Object.keys(value)) if (!key.startsWith("__")) result[key] = engineValue(value[key] as WireValue);
    return result;
  }
  return value;
}
