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
}

const runtime = proxyModule as unknown as ProxyRuntime;

/** The server reports a policy that throws this (or a subclass) as an advisory "can't run ... during preview". */
export const UnknownValueError: UnknownValueErrorConstructor = runtime.UnknownValueError;
export const unknownCheckingProxy: ProxyRuntime["unknownCheckingProxy"] = runtime.unknownCheckingProxy;

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
