import type { RecordedResource } from "./recordedResource";
import type { WireValue } from "./wireValues";

type PulumiModule = typeof import("@pulumi/pulumi");

interface RegisterResourceRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(fn: (value: { getUrnsList(): string[] }, key: string) => void): void };
  getProtect(): boolean | undefined;
  getProvider(): string;
  getDeletedwith(): string;
  getObject(): { toJavaScript(): Record<string, WireValue> } | undefined;
}

interface RegisterResourceResponse {
  getUrn(): string;
  getId(): string;
  getObject(): { toJavaScript(): Record<string, WireValue> } | undefined;
}

type Callback = (error: Error | null, response: RegisterResourceResponse | undefined) => void;

interface RegisterResourceOutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): Record<string, WireValue> } | undefined;
}

interface WrappableMonitor {
  registerResource(request: RegisterResourceRequest, callback: Callback): void;
  registerResourceOutputs?(request: RegisterResourceOutputsRequest, callback: (error: Error | null, response: unknown) => void): void;
}

/**
 * Records every registration the mock monitor receives. Parent, dependencies and protect are not
 * passed to `Mocks.newResource`, so the monitor itself is wrapped to see the whole request.
 */
export function recordRegistrations(pulumi: PulumiModule): RecordedResource[] {
  const records: RecordedResource[] = [];
  const monitor = pulumi.runtime.getMonitor() as unknown as WrappableMonitor | undefined;
  if (!monitor) throw new Error("recordRegistrations: call setMocks before recording");
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request, callback) =>
    register(request, (error, response) => {
      if (!error && response) records.push(toRecord(request, response));
      callback(error, response);
    });
  // Components and the stack report their outputs later (`registerOutputs`, stack exports): the
  // engine keeps them as the resource's outputs, and `AnalyzeStack` sees them.
  const registerOutputs = monitor.registerResourceOutputs?.bind(monitor);
  if (registerOutputs) {
    monitor.registerResourceOutputs = (request, callback) =>
      registerOutputs(request, (error, response) => {
        const record = error ? undefined : records.find((r) => r.urn === request.getUrn());
        if (record) record.outputs = request.getOutputs()?.toJavaScript() ?? {};
        callback(error, response);
      });
  }
  return records;
}

function toRecord(request: RegisterResourceRequest, response: RegisterResourceResponse): RecordedResource {
  const propertyDependencies: Record<string, string[]> = {};
  request.getPropertydependenciesMap().forEach((value, key) => {
    propertyDependencies[key] = [...value.getUrnsList()].sort();
  });
  const parent = request.getParent();
  const provider = request.getProvider();
  const id = response.getId();
  return {
    urn: response.getUrn(),
    type: request.getType(),
    name: request.getName(),
    custom: request.getCustom(),
    ...(parent ? { parent } : {}),
    dependencies: [...new Set(request.getDependenciesList())].sort(),
    propertyDependencies,
    protect: request.getProtect() === true,
    ...(provider ? { provider } : {}),
    ...(request.getDeletedwith() ? { deletedWith: request.getDeletedwith() } : {}),
    ...(id ? { id } : {}),
    inputs: request.getObject()?.toJavaScript() ?? {},
    outputs: response.getObject()?.toJavaScript() ?? {},
  };
}
