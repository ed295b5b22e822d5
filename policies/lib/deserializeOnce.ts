// @pulumi/policy's server deserializes a resource's properties again for every policy it runs on the
// resource (server.js: `deserializeProperties(req.getProperties(), false)` inside the loop over
// policies), which is most of an Analyze call's work in a pack of many policies. This pack's policies
// only read their props, so the first deserialization of a request's properties can serve them all.
import deserializeModule = require("@pulumi/policy/deserialize");

type Deserialize = (properties: object, proxySecrets: boolean) => Record<string, unknown>;

interface DeserializeRuntime {
  deserializeProperties: Deserialize;
}

const runtime = deserializeModule as unknown as DeserializeRuntime;

/** Marks the function installed, so that installing twice keeps one cache. */
const INSTALLED = Symbol.for("aml-auth-guard.deserializeOnce");

/**
 * Makes the server deserialize each protobuf Struct it receives once, keyed by the Struct object (the
 * request keeps it, so it lives as long as the call). Remediations (`proxySecrets: true`) change the
 * props they get, so they still get a copy of their own. Only the pack's entry point installs it: a pack
 * that embeds these policies next to its own cannot promise that none of them changes its props.
 */
export function deserializeEachStructOnce(): void {
  const original = runtime.deserializeProperties;
  if (INSTALLED in original) return;
  const deserialized = new WeakMap<object, Record<string, unknown>>();
  const once: Deserialize = (properties, proxySecrets) => {
    if (proxySecrets) return original(properties, proxySecrets);
    let props = deserialized.get(properties);
    if (props === undefined) {
      props = original(properties, proxySecrets);
      deserialized.set(properties, props);
    }
    return props;
  };
  runtime.deserializeProperties = Object.assign(once, { [INSTALLED]: true });
}
