// The module instances @pulumi/policy's analyzer server uses: the pack's shortcuts around the server
// change those, not copies that another resolution of the same names could load.
import { createRequire } from "node:module";

/** Loads a module as `@pulumi/pulumi`'s generated protos (which the server uses) load it. */
export function requireAsServerProtos(name: string): unknown {
  const fromPolicy = createRequire(require.resolve("@pulumi/policy"));
  const fromProtos = createRequire(fromPolicy.resolve("@pulumi/pulumi/proto/analyzer_pb"));
  return fromProtos(name);
}
