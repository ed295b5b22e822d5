// The component package's plugin as the Pulumi CLI starts it, timed from its start to the schema's
// arrival over gRPC.
import { performance } from "node:perf_hooks";
import { servedSchema, startPlugin } from "../test/harness/componentPlugin";

/** Milliseconds from starting the plugin to its schema, with `env` added to its environment. */
export async function schemaServedMs(env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  const { plugin, port } = startPlugin(env);
  try {
    await servedSchema(await port);
    return performance.now() - started;
  } finally {
    plugin.kill("SIGKILL");
  }
}
