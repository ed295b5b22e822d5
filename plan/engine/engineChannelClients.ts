/**
 * The SDK's clients of the engine in the program's process (`programHost.ts`): their unary calls go
 * to the plan over the engine channel (`engineChannel.ts`) instead of gRPC over HTTP/2, whose
 * per-call work on both sides cost more than the engine's own. What crosses is what gRPC would carry:
 * the request as the SDK's generated client serializes it, then the response it deserializes, or an
 * error made from the gRPC status as grpc-js makes it. Streaming calls, and the engine's calls back
 * into the program (transforms), stay on gRPC, as does anything else that connects to the engine's
 * port.
 *
 * Debug messages are answered here, on a later tick as a call would be: the SDK sends every one (several
 * per resource), each waiting for the one before, and the engine drops them, as the CLI does without
 * `--debug`.
 */
import { EventEmitter } from "node:events";
import * as path from "node:path";
import { encodeFrame, FrameReader, INTERNAL, UNAVAILABLE, type EngineFrame } from "./engineChannel";

interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize(value: unknown): Uint8Array;
  responseDeserialize(bytes: Buffer): unknown;
}

/** A client class as grpc-js generates it: `service` holds its methods' definitions. */
interface GeneratedClient {
  service: Record<string, MethodDefinition>;
  prototype: Record<string, unknown>;
}

type UnaryCallback = (error: Error | null, response?: unknown) => void;

interface GrpcModule {
  status: Record<number, string>;
  Metadata: new () => unknown;
}

const ENGINE_LOG = "/pulumirpc.Engine/Log";

/**
 * What the clients need of the channel: a duplex byte stream, the plan at its other end; a socket
 * also keeps the event loop alive while a call waits for its answer, as a gRPC call does.
 */
interface ChannelStream {
  write(bytes: Buffer): unknown;
  on(event: "data", listener: (chunk: Buffer) => void): unknown;
  on(event: "error" | "close", listener: () => void): unknown;
  ref?(): unknown;
  unref?(): unknown;
}

export class EngineChannelClients {
  private readonly pending = new Map<number, { definition: MethodDefinition; callback: UnaryCallback | undefined }>();
  private readonly reader = new FrameReader();
  private nextCallId = 0;
  private grpc: GrpcModule | undefined;
  private closed = false;

  constructor(private readonly channel: ChannelStream) {
    channel.on("data", (chunk) => {
      for (const frame of this.reader.push(chunk)) this.receive(frame);
    });
    // as gRPC fails its calls when the connection goes: the plan has stopped serving this process
    const closed = (): void => {
      this.closed = true;
      const calls = [...this.pending.values()];
      this.pending.clear();
      for (const call of calls) call.callback?.(this.statusError(UNAVAILABLE, "the plan's engine channel closed"));
    };
    channel.on("error", closed);
    channel.on("close", closed);
  }

  /**
   * Sends the unary calls of the SDK whose main file is `pulumiPath` over the channel: its generated resource
   * monitor and engine clients, present and future instances. False, and nothing changed, for an SDK
   * laid out otherwise: its calls go over gRPC.
   */
  install(pulumiPath: string): boolean {
    try {
      const sdkDir = path.dirname(pulumiPath);
      const load = (file: string): unknown => require(path.join(sdkDir, "proto", file));
      const { ResourceMonitorClient } = load("resource_grpc_pb.js") as { ResourceMonitorClient?: GeneratedClient };
      const { EngineClient } = load("engine_grpc_pb.js") as { EngineClient?: GeneratedClient };
      const { LogSeverity } = load("engine_pb.js") as { LogSeverity?: { DEBUG?: number } };
      const grpc = require(require.resolve("@grpc/grpc-js", { paths: [sdkDir] })) as GrpcModule;
      const clients = [ResourceMonitorClient, EngineClient];
      if (!clients.every((client) => client?.service && client.prototype) || typeof LogSeverity?.DEBUG !== "number") return false;
      this.grpc = grpc;
      for (const client of clients as GeneratedClient[]) {
        for (const [name, definition] of Object.entries(client.service)) {
          if (definition.requestStream || definition.responseStream || typeof client.prototype[name] !== "function") continue;
          const local = definition.path === ENGINE_LOG ? LogSeverity.DEBUG : undefined;
          client.prototype[name] = this.unaryMethod(definition, local);
        }
      }
      return true;
    } catch {
      return false;
    }
  }

  /** Answers the call a response or an error is for. */
  private receive(frame: EngineFrame): void {
    const call = this.pending.get(frame.callId);
    if (!call || frame.kind === "call") return;
    this.pending.delete(frame.callId);
    if (this.pending.size === 0) this.channel.unref?.();
    if (frame.kind === "error") return call.callback?.(this.statusError(frame.code, frame.details));
    let response: unknown;
    try {
      response = call.definition.responseDeserialize(Buffer.from(frame.response.buffer, frame.response.byteOffset, frame.response.byteLength));
    } catch (error) {
      return call.callback?.(this.statusError(INTERNAL, `Response deserialization failed: ${(error as Error).message}`));
    }
    call.callback?.(null, response);
  }

  /** A generated unary method, `(request, [metadata], [options], callback)`, over the channel. */
  private unaryMethod(definition: MethodDefinition, localSeverity: number | undefined) {
    const transport = this;
    return function unaryCall(request: unknown, ...rest: unknown[]): EventEmitter {
      const callback = rest.find((argument): argument is UnaryCallback => typeof argument === "function");
      const severity = (request as { getSeverity?: () => number }).getSeverity?.();
      if (localSeverity !== undefined && severity === localSeverity) {
        setImmediate(() => callback?.(null, definition.responseDeserialize(Buffer.alloc(0))));
      } else if (transport.closed) {
        // a closed socket takes writes without a word: the call would wait for its answer forever
        setImmediate(() => callback?.(transport.statusError(UNAVAILABLE, "the plan's engine channel closed")));
      } else {
        const callId = transport.nextCallId;
        transport.nextCallId = (callId + 1) % 2 ** 32;
        if (transport.pending.size === 0) transport.channel.ref?.();
        transport.pending.set(callId, { definition, callback });
        transport.channel.write(encodeFrame({ kind: "call", callId, path: definition.path, request: definition.requestSerialize(request) }));
      }
      return Object.assign(new EventEmitter(), { cancel: () => undefined, getPeer: () => "plan" });
    };
  }

  /** The error grpc-js gives a unary call's callback for a status. */
  private statusError(code: number, details: string): Error {
    const grpc = this.grpc!;
    return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), { code, details, metadata: new grpc.Metadata() });
  }
}
