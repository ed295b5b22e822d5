// Typed access to the parts of @pulumi/policy's runtime that its type declarations leave out.
// `UnknownValueError` and `unknownCheckingProxy` are exported at runtime (index.js re-exports them from
// proxy.js), but proxy.d.ts is empty, so the types are declared here, once, and nowhere else.
import * as proxyModule from "@pulumi/policy/proxy";

/** The error the server's `unknownCheckingProxy` throws when a policy reads a value unknown during preview. */
export interface UnknownValueErrorShape extends Error {
  /** One of the sentinels the deserializer puts in place of an unknown value. */
  readonly unknownTypeSentinel: string;
  /** The property path that was read, e.g. `["properties", "compute"]`. */
  readonly props: readonly PropertyKey[];
}

interface UnknownValueErrorConstructor {
  new (unknownTypeSentinel: string, props: PropertyKey[]): UnknownValueErrorShape;
}

interface ProxyRuntime {
  UnknownValueError: UnknownValueErrorConstructor;
  unknownCheckingProxy<T extends object>(toProxy: T): T;
  unknownStringValue: string;
  unknownBooleanValue: string;
  unknownNumberValue: string;
  unknownArrayValue: string;
  unknownAssetValue: string;
  unknownArchiveValue: string;
  unknownObjectValue: string;
  /** Keys the proxy answers itself: `true`, and the object it wraps. */
  isSpecialProxy: string;
  getSpecialProxyTarget: string;
}

const runtime = proxyModule as unknown as ProxyRuntime;

/** The server reports a policy that throws this (or a subclass) as an advisory "can't run ... during preview". */
export const UnknownValueError: UnknownValueErrorConstructor = runtime.UnknownValueError;
export const unknownCheckingProxy: ProxyRuntime["unknownCheckingProxy"] = runtime.unknownCheckingProxy;

/** The sentinels the deserializer puts in place of unknown values, as the proxy recognises them. */
const UNKNOWN_SENTINELS: ReadonlySet<unknown> = new Set([
  runtime.unknownBooleanValue,
  runtime.unknownNumberValue,
  runtime.unknownStringValue,
  runtime.unknownArrayValue,
  runtime.unknownAssetValue,
  runtime.unknownArchiveValue,
  runtime.unknownObjectValue,
]);

/** Whether `value` is a value the proxy throws UnknownValueError for when it is read. */
export function isUnknownSentinel(value: unknown): value is string {
  return UNKNOWN_SENTINELS.has(value);
}

/**
 * The plain data an `unknownCheckingProxy` wraps, or undefined for anything else (a plain object, another
 * proxy). Reading it directly skips the proxy's checks: the caller checks for sentinels itself.
 */
export function unknownCheckingProxyTarget(value: object): object | undefined {
  const record = value as Record<string, unknown>;
  if (record[runtime.isSpecialProxy] !== true) return undefined;
  const target = record[runtime.getSpecialProxyTarget];
  return target !== null && typeof target === "object" ? target : undefined;
}

export function isUnknownValueError(error: unknown): error is UnknownValueErrorShape {
  return error instanceof UnknownValueError;
}

/**
 * Thrown when a check needs a value that is only known at update. It is an `UnknownValueError`, so the
 * server turns it into an advisory, but its message replaces the generic one with the field, the reason
 * and the fact that the check runs at update.
 */
export class CheckRunsAtUpdateError extends UnknownValueError {
  constructor(message: string, cause?: UnknownValueErrorShape) {
    // The base constructor rejects anything but a real sentinel; a value Azure assigns at create
    // (no cause) is reported as an unknown string, which is what it is during preview.
    super(cause?.unknownTypeSentinel ?? runtime.unknownStringValue, [...(cause?.props ?? [])]);
    this.name = "CheckRunsAtUpdateError";
    this.message = message;
  }
}
