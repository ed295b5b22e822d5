// Reading resource properties that may be unknown during preview, without letting the proxy's
// UnknownValueError escape with a message that does not say why the value matters.
import { CheckRunsAtUpdateError, isUnknownValueError, type UnknownValueErrorShape } from "./policyRuntime";

/** A property read: a known value (undefined when absent), or unknown until update. */
export type Read<T> =
  | { readonly status: "known"; readonly value: T }
  | { readonly status: "unknown"; readonly cause: UnknownValueErrorShape };

export type Props = Record<string, unknown>;

export function known<T>(value: T): Read<T> {
  return { status: "known", value };
}

/** Reads `path` from `source` (usually a proxied `props`); absent or non-object steps read as undefined. */
export function readPath(source: unknown, path: readonly string[]): Read<unknown> {
  try {
    let current: unknown = source;
    for (const key of path) {
      if (current === null || typeof current !== "object") return known(undefined);
      current = (current as Props)[key];
    }
    return known(current);
  } catch (error) {
    if (isUnknownValueError(error)) return { status: "unknown", cause: error };
    throw error;
  }
}

export function mapRead<T, U>(read: Read<T>, map: (value: T) => U): Read<U> {
  return read.status === "known" ? known(map(read.value)) : read;
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Booleans as ARM accepts them: true/false, or the strings "true"/"false" in any case. */
export function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const lowered = value.toLowerCase();
    if (lowered === "true") return true;
    if (lowered === "false") return false;
  }
  return undefined;
}

export function readString(source: unknown, path: readonly string[]): Read<string | undefined> {
  return mapRead(readPath(source, path), asString);
}

export function readBoolean(source: unknown, path: readonly string[]): Read<boolean | undefined> {
  return mapRead(readPath(source, path), asBoolean);
}

/** True when the property holds something (an unknown counts: it will hold a value at update). */
export function isPresent(read: Read<unknown>): boolean {
  return read.status === "unknown" || (read.value !== undefined && read.value !== null && read.value !== "");
}

/** "string value at .properties.compute can't be known during preview: <why>; <policy> runs at update" */
export function runsAtUpdateMessage(cause: UnknownValueErrorShape, why: string, policyName: string): string {
  return `${cause.message}: ${why}; ${policyName} runs at update`;
}

/**
 * The value of a read the check cannot do without. An unknown value stops the policy with an advisory
 * that names the field, why it is unknown, and that the check runs at update.
 */
export function requireKnown<T>(read: Read<T>, why: string, policyName: string): T {
  if (read.status === "known") return read.value;
  throw new CheckRunsAtUpdateError(runsAtUpdateMessage(read.cause, why, policyName), read.cause);
}

/** Case-insensitive string equality, for ARM enum values and names. */
export function sameText(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
