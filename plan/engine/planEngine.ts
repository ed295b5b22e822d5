import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import type * as pulumi from "@pulumi/pulumi";
import { CallbacksClient } from "@pulumi/pulumi/proto/callback_grpc_pb";
import * as callbackPb from "@pulumi/pulumi/proto/callback_pb";
import { EngineService } from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as enginePb from "@pulumi/pulumi/proto/engine_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { ResourceMonitorService } from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resourcePb from "@pulumi/pulumi/proto/resource_pb";
import type { LoggedMessage } from "../mockRun";
import { declaredOutputNames } from "./declaredOutputs";
import type { ServedCall } from "./engineChannel";
import type { RecordedResource } from "../recordedResource";
import { engineProperties, UNKNOWN, type WireValue } from "../wireValues";

type Mocks = pulumi.runtime.Mocks;
type WireObject = Record<string, WireValue>;

export interface PlanEngineOptions {
  project: string;
  stack: string;
  /** Azure and the other clouds, as the providers would answer */
  fakes: Mocks;
  /** the project's directory, where its SDK packages are installed */
  projectDir: string;
}

/** Features the engine tells the SDK it supports; the rest the SDK refuses itself with a clear error. */
const SUPPORTED_FEATURES = new Set([
  "secrets",
  "resourceReferences",
  "deletedWith",
  "aliasSpecs",
  "transforms",
  "invokeTransforms",
  "parameterization",
]);

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * The part of the Pulumi engine a program talks to (the resource monitor and the engine service),
 * served over gRPC to a program running in its own process, as the CLI serves it, and to the SDK's
 * unary calls on the engine channel (`serveCall`) with the same handlers. Providers are
 * the fakes. It applies transforms as the engine does (the resource's own, then its ancestors',
 * then the stack's), refuses duplicate URNs, and records every registration and read: the
 * program can only change what it registers, never what was recorded.
 */
export class PlanEngine {
  readonly resources: RecordedResource[] = [];
  readonly messages: LoggedMessage[] = [];
  /** errors the engine raised on the program's behalf (a duplicate URN, a failed invoke...) */
  readonly failures: string[] = [];
  private readonly byUrn = new Map<string, RecordedResource>();
  /** URNs whose registration has not been recorded yet */
  private readonly registering = new Set<string>();
  private readonly ownTransforms = new Map<string, callbackPb.Callback[]>();
  private readonly stackTransforms: callbackPb.Callback[] = [];
  private readonly stackInvokeTransforms: callbackPb.Callback[] = [];
  private readonly callbackClients = new Map<string, CallbacksClient>();
  private readonly server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  /** the unary methods of both services by gRPC path, for calls on the engine channel */
  private readonly unaryMethods = new Map<string, { definition: grpc.MethodDefinition<unknown, unknown>; handler: grpc.handleUnaryCall<never, unknown> }>();
  private rootUrn = "";
  private started = false;
  /** once stopped, nothing more is recorded: the run's resources were returned and checked */
  private stopped = false;

  constructor(private readonly options: PlanEngineOptions) {}

  /** Starts serving on a loopback port; returns `127.0.0.1:<port>`. */
  async start(): Promise<string> {
    for (const [service, handlers] of [
      [ResourceMonitorService, this.monitorService()],
      [EngineService, this.engineService()],
    ] as const) {
      this.server.addService(service, handlers as unknown as grpc.UntypedServiceImplementation);
      for (const [name, definition] of Object.entries(service as unknown as grpc.ServiceDefinition)) {
        const handler = handlers[name];
        if (handler && !definition.requestStream && !definition.responseStream) this.unaryMethods.set(definition.path, { definition, handler });
      }
    }
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    this.started = true;
    return `127.0.0.1:${port}`;
  }

  stop(): void {
    this.stopped = true;
    for (const client of this.callbackClients.values()) client.close();
    if (this.started) this.server.forceShutdown();
    this.started = false;
  }

  /**
   * A unary call that came on the engine channel (`engineChannel.ts`), served by the handler its
   * gRPC path names, as the gRPC server would serve it: the request deserialized, the response
   * serialized, an error as its gRPC status.
   */
  serveCall(path: string, request: Uint8Array): Promise<ServedCall> {
    if (!this.started) return Promise.resolve({ error: { code: grpc.status.UNAVAILABLE, details: "the plan's engine is not serving" } });
    const method = this.unaryMethods.get(path);
    if (!method) return Promise.resolve({ error: { code: grpc.status.UNIMPLEMENTED, details: `The server does not implement the method ${path}` } });
    let deserialized: unknown;
    try {
      deserialized = method.definition.requestDeserialize(Buffer.from(request.buffer, request.byteOffset, request.byteLength));
    } catch (error) {
      return Promise.resolve({ error: { code: grpc.status.INTERNAL, details: `Error deserializing request: ${(error as Error).message}` } });
    }
    return new Promise((resolve) => {
      method.handler({ request: deserialized } as grpc.ServerUnaryCall<never, unknown>, (error, response) => {
        if (error) return resolve({ error: { code: knownStatus(error.code), details: error.details ?? "" } });
        try {
          resolve({ response: method.definition.responseSerialize(response) });
        } catch (serializeError) {
          // as grpc-js answers a response it cannot serialize
          resolve({ error: { code: grpc.status.INTERNAL, details: `Error serializing response: ${(serializeError as Error).message}` } });
        }
      });
    });
  }

  /** The stack's outputs, once the program registered them. */
  get stackOutputs(): WireObject | undefined {
    const stack = this.rootUrn ? this.byUrn.get(this.rootUrn) : this.resources.find((r) => r.type === ROOT_STACK_TYPE);
    return stack?.outputsRegistered ? stack.outputs : undefined;
  }

  private monitorService(): Partial<Record<string, grpc.handleUnaryCall<never, unknown>>> {
    return {
      supportsFeature: unary(async (request: resourcePb.SupportsFeatureRequest) => {
        const response = new resourcePb.SupportsFeatureResponse();
        response.setHassupport(SUPPORTED_FEATURES.has(request.getId()));
        return response;
      }),
      registerResource: unary((request: resourcePb.RegisterResourceRequest) => this.registerResource(request)),
      registerResourceOutputs: unary(async (request: resourcePb.RegisterResourceOutputsRequest) => {
        const record = this.byUrn.get(request.getUrn());
        if (!record) throw this.fail(`cannot register outputs of unknown resource '${request.getUrn()}'`);
        record.outputs = wireObject(request.getOutputs());
        record.outputsRegistered = true;
        return new Empty();
      }),
      readResource: unary((request: resourcePb.ReadResourceRequest) => this.readResource(request)),
      invoke: unary((request: resourcePb.ResourceInvokeRequest) => this.invoke(request)),
      call: unary(async (request: resourcePb.ResourceCallRequest) => {
        throw this.fail(`method call '${request.getTok()}' on a multi-language component cannot be planned offline`);
      }),
      registerStackTransform: unary(async (callback: callbackPb.Callback) => {
        this.stackTransforms.push(checkedCallback(callback));
        return new Empty();
      }),
      registerStackInvokeTransform: unary(async (callback: callbackPb.Callback) => {
        this.stackInvokeTransforms.push(checkedCallback(callback));
        return new Empty();
      }),
      registerPackage: unary(async (request: resourcePb.RegisterPackageRequest) => {
        const response = new resourcePb.RegisterPackageResponse();
        response.setRef(`${request.getName()}@${request.getVersion()}`);
        return response;
      }),
      signalAndWaitForShutdown: unary(async () => new Empty()),
    };
  }

  private engineService(): Partial<Record<string, grpc.handleUnaryCall<never, unknown>>> {
    const severities: Record<number, LoggedMessage["severity"] | "debug"> = {
      [enginePb.LogSeverity.DEBUG]: "debug",
      [enginePb.LogSeverity.INFO]: "info",
      [enginePb.LogSeverity.WARNING]: "warning",
      [enginePb.LogSeverity.ERROR]: "error",
    };
    return {
      log: unary(async (request: enginePb.LogRequest) => {
        const severity = severities[request.getSeverity()] ?? "info";
        if (severity !== "debug") this.messages.push({ severity, message: request.getMessage() });
        return new Empty();
      }),
      getRootResource: unary(async () => {
        const response = new enginePb.GetRootResourceResponse();
        response.setUrn(this.rootUrn);
        return response;
      }),
      setRootResource: unary(async (request: enginePb.SetRootResourceRequest) => {
        this.rootUrn = request.getUrn();
        return new enginePb.SetRootResourceResponse();
      }),
      requirePulumiVersion: unary(async () => new enginePb.RequirePulumiVersionResponse()),
    };
  }

  private async registerResource(request: resourcePb.RegisterResourceRequest): Promise<resourcePb.RegisterResourceResponse> {
    const type = request.getType();
    const name = request.getName();
    if (request.getRemote()) {
      throw this.fail(`multi-language component ${type} '${name}' runs in its provider's process and cannot be planned offline`);
    }
    const urn = this.newUrn(request.getParent(), type, name);
    this.refuseDuplicate(urn);
    this.registering.add(urn);
    try {
      return await this.registerClaimed(request, urn);
    } finally {
      this.registering.delete(urn);
    }
  }

  /**
   * Refuses a URN recorded or being registered: calls come in together (several in one read of the
   * engine channel), and a registration waits on transforms and fakes before it is recorded.
   */
  private refuseDuplicate(urn: string): void {
    if (this.byUrn.has(urn) || this.registering.has(urn)) throw this.fail(`Duplicate resource URN '${urn}'; try giving it a unique name`);
  }

  /** The registration of `urn`, which `registering` holds meanwhile. */
  private async registerClaimed(request: resourcePb.RegisterResourceRequest, urn: string): Promise<resourcePb.RegisterResourceResponse> {
    const type = request.getType();
    const name = request.getName();
    const parent = request.getParent();
    const custom = request.getCustom();
    let properties = wireObject(request.getObject());
    let options = transformOptions(request);
    const own = request.getTransformsList();
    for (const transform of [...own, ...this.ancestorTransforms(parent), ...this.stackTransforms]) {
      const applied = await this.applyTransform(transform, { type, name, custom, parent, properties, options });
      properties = applied.properties;
      options = applied.options;
    }
    if (own.length > 0) this.ownTransforms.set(urn, own);

    const importId = request.getImportid();
    const result = await this.options.fakes.newResource({
      type,
      name,
      inputs: engineProperties(properties),
      provider: options.getProvider(),
      custom,
      ...(importId ? { id: importId } : {}),
    });
    const state = wireState(result.state);
    const propertyDependencies: Record<string, string[]> = {};
    request.getPropertydependenciesMap().forEach((value, key) => {
      propertyDependencies[key] = [...value.getUrnsList()].sort();
    });
    this.record({
      urn,
      type,
      name,
      custom,
      ...(parent ? { parent } : {}),
      dependencies: [...new Set(options.getDependsOnList())].sort(),
      propertyDependencies,
      protect: options.getProtect() === true,
      ...(options.getProvider() ? { provider: options.getProvider() } : {}),
      ...(options.getDeletedWith() ? { deletedWith: options.getDeletedWith() } : {}),
      ...(result.id ? { id: result.id } : {}),
      inputs: properties,
      outputs: state,
    });

    const response = new resourcePb.RegisterResourceResponse();
    response.setUrn(urn);
    response.setId(result.id ?? "");
    response.setObject(Struct.fromJavaScript(state as never));
    response.setResult(resourcePb.Result.SUCCESS);
    return response;
  }

  /**
   * `Resource.get(...)`: recorded as a read. Its state is what the program gave, the name its ARM id
   * carries, and unknown otherwise (the SDK turns unknowns into `undefined` outside a preview).
   */
  private async readResource(request: resourcePb.ReadResourceRequest): Promise<resourcePb.ReadResourceResponse> {
    const type = request.getType();
    const name = request.getName();
    const parent = request.getParent();
    const urn = this.newUrn(parent, type, name);
    this.refuseDuplicate(urn);
    const declaredOutputs = declaredOutputNames(type, this.options.projectDir);
    const armName = declaredOutputs.includes("name") ? armIdName(request.getId()) : undefined;
    // Azure returns a resource's `name` as the last segment of its id: a program links through it.
    const given = { ...(armName ? { name: armName } : {}), ...wireObject(request.getProperties()) };
    const unknowns = Object.fromEntries(declaredOutputs.filter((output) => !(output in given)).map((output) => [output, UNKNOWN]));
    const state = { ...unknowns, ...given, id: request.getId() };
    this.record({
      urn,
      type,
      name,
      custom: true,
      ...(parent ? { parent } : {}),
      dependencies: [...new Set(request.getDependenciesList())].sort(),
      propertyDependencies: {},
      protect: false,
      ...(request.getProvider() ? { provider: request.getProvider() } : {}),
      id: request.getId(),
      inputs: given,
      outputs: given,
      read: true,
      declaredOutputs,
    });
    const response = new resourcePb.ReadResourceResponse();
    response.setUrn(urn);
    response.setProperties(Struct.fromJavaScript(state as never));
    return response;
  }

  private async invoke(request: resourcePb.ResourceInvokeRequest): Promise<providerPb.InvokeResponse> {
    const token = request.getTok();
    let args = wireObject(request.getArgs());
    for (const transform of this.stackInvokeTransforms) {
      const invokeRequest = new resourcePb.TransformInvokeRequest();
      invokeRequest.setToken(token);
      invokeRequest.setArgs(Struct.fromJavaScript(args as never));
      invokeRequest.setOptions(new resourcePb.TransformInvokeOptions());
      const bytes = await this.callback(transform, invokeRequest.serializeBinary());
      const response = resourcePb.TransformInvokeResponse.deserializeBinary(bytes);
      if (response.hasArgs()) args = wireObject(response.getArgs());
    }
    const response = new providerPb.InvokeResponse();
    try {
      const result = await this.options.fakes.call({ token, inputs: engineProperties(args), provider: request.getProvider() });
      response.setReturn(Struct.fromJavaScript(wireState(result) as never));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.failures.push(`invoke ${token} failed: ${message}`);
      const failure = new providerPb.CheckFailure();
      failure.setReason(message);
      response.setFailuresList([failure]);
    }
    return response;
  }

  private ancestorTransforms(parent: string): callbackPb.Callback[] {
    const transforms: callbackPb.Callback[] = [];
    for (let current = parent; current; current = this.byUrn.get(current)?.parent ?? "") {
      transforms.push(...(this.ownTransforms.get(current) ?? []));
    }
    return transforms;
  }

  private async applyTransform(
    transform: callbackPb.Callback,
    target: { type: string; name: string; custom: boolean; parent: string; properties: WireObject; options: resourcePb.TransformResourceOptions },
  ): Promise<{ properties: WireObject; options: resourcePb.TransformResourceOptions }> {
    const request = new resourcePb.TransformRequest();
    request.setType(target.type);
    request.setName(target.name);
    request.setCustom(target.custom);
    request.setParent(target.parent);
    request.setProperties(Struct.fromJavaScript(target.properties as never));
    request.setOptions(target.options);
    const response = resourcePb.TransformResponse.deserializeBinary(await this.callback(transform, request.serializeBinary()));
    return {
      properties: response.hasProperties() ? wireObject(response.getProperties()) : target.properties,
      options: response.hasOptions() ? response.getOptions()! : target.options,
    };
  }

  /** Calls back into the program's callback server, as the engine does for transforms. */
  private callback(callback: callbackPb.Callback, request: Uint8Array): Promise<Uint8Array> {
    let client = this.callbackClients.get(callback.getTarget());
    if (!client) {
      client = new CallbacksClient(callback.getTarget(), grpc.credentials.createInsecure());
      this.callbackClients.set(callback.getTarget(), client);
    }
    const invokeRequest = new callbackPb.CallbackInvokeRequest();
    invokeRequest.setToken(callback.getToken());
    invokeRequest.setRequest(request);
    return new Promise((resolve, reject) =>
      client.invoke(invokeRequest, (error, response) => (error ? reject(error) : resolve(response.getResponse_asU8()))),
    );
  }

  /** The engine's URN: the parent's qualified type chain, except the root stack's. */
  private newUrn(parent: string, type: string, name: string): string {
    const parentType = parent ? parent.split("::")[2] ?? "" : "";
    const qualifiedType = parentType && parentType !== ROOT_STACK_TYPE ? `${parentType}$${type}` : type;
    return `urn:pulumi:${this.options.stack}::${this.options.project}::${qualifiedType}::${name}`;
  }

  private record(resource: RecordedResource): void {
    if (this.stopped) throw Object.assign(new Error(`the run ended before ${resource.urn} was recorded`), { code: grpc.status.UNAVAILABLE });
    this.resources.push(resource);
    this.byUrn.set(resource.urn, resource);
  }

  private fail(message: string): Error {
    this.failures.push(message);
    return Object.assign(new Error(message), { code: grpc.status.INVALID_ARGUMENT });
  }
}

/** The last segment of an ARM id (`/subscriptions/.../workspaces/mlw` gives `mlw`); undefined for other ids. */
function armIdName(id: string): string | undefined {
  if (!/^\/subscriptions\/[^/]+\/.+/i.test(id)) return undefined;
  return id.split("/").filter((segment) => segment !== "").pop();
}

/** A gRPC status code; anything else is UNKNOWN, as grpc-js makes it. */
function knownStatus(code: number | undefined): grpc.status {
  return code !== undefined && code in grpc.status && Number.isInteger(code) ? code : grpc.status.UNKNOWN;
}

/** Wraps an async handler as a gRPC unary handler; errors go back to the program as gRPC errors. */
function unary<Request, Response>(handler: (request: Request) => Promise<Response>): grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    handler(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        const code = (error as { code?: number }).code;
        callback({ code: typeof code === "number" ? code : grpc.status.UNKNOWN, details: message, message } as grpc.ServiceError, null);
      },
    );
  };
}

function checkedCallback(callback: callbackPb.Callback): callbackPb.Callback {
  if (!callback.getTarget()) throw Object.assign(new Error("target must be specified"), { code: grpc.status.INVALID_ARGUMENT });
  return callback;
}

function transformOptions(request: resourcePb.RegisterResourceRequest): resourcePb.TransformResourceOptions {
  const options = new resourcePb.TransformResourceOptions();
  options.setDependsOnList(request.getDependenciesList());
  if (request.hasProtect()) options.setProtect(request.getProtect()!);
  options.setIgnoreChangesList(request.getIgnorechangesList());
  options.setReplaceOnChangesList(request.getReplaceonchangesList());
  options.setVersion(request.getVersion());
  options.setAliasesList(request.getAliasesList());
  options.setProvider(request.getProvider());
  options.setDeletedWith(request.getDeletedwith());
  options.setAdditionalSecretOutputsList(request.getAdditionalsecretoutputsList());
  if (request.hasRetainondelete()) options.setRetainOnDelete(request.getRetainondelete()!);
  request.getProvidersMap().forEach((value, key) => options.getProvidersMap().set(key, value));
  return options;
}

function wireObject(struct: Struct | undefined): WireObject {
  return (struct?.toJavaScript() ?? {}) as WireObject;
}

/** A provider's answer as the engine sends it: no `undefined` anywhere (protobuf has no such value). */
function wireState(state: unknown): WireObject {
  const clean = (value: unknown): WireValue | undefined => {
    if (value === undefined) return undefined;
    if (value === null || typeof value !== "object") return value as WireValue;
    if (Array.isArray(value)) return value.map((item) => clean(item) ?? null);
    const entries = Object.entries(value as Record<string, unknown>)
      .map(([key, inner]) => [key, clean(inner)] as const)
      .filter(([, inner]) => inner !== undefined);
    return Object.fromEntries(entries) as WireValue;
  };
  return (clean(state ?? {}) ?? {}) as WireObject;
}
