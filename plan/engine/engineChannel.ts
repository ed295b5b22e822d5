/**
 * The channel the SDK's unary calls to the engine take between a program's process and the plan: a
 * pipe of its own (fd 4 of the program's process), apart from the IPC channel that carries run
 * requests and completions, where a program can listen. It carries what gRPC would: the method's
 * path and the request as the SDK serialized it, then the serialized response or a gRPC status.
 *
 * Frames: [u32 length of the rest][u32 call id][u8 kind][body], little-endian. A call's body is
 * [u16 path length][path][request]; a response's, the response; an error's, [u32 status code][details].
 */
export { ENGINE_CHANNEL_FD, ENGINE_CHANNEL_VARIABLE } from "./engineChannelFd.cjs";

/** gRPC's default limit is 4 MiB; the plan's engine takes 400 MiB over gRPC, and as much here. */
export const MAX_FRAME_BYTES = 400 * 1024 * 1024;

export type EngineFrame =
  | { kind: "call"; callId: number; path: string; request: Uint8Array }
  | { kind: "response"; callId: number; response: Uint8Array }
  | { kind: "error"; callId: number; code: number; details: string };

/** gRPC's status codes the channel answers with itself (a response it cannot carry, a channel that closed). */
export const INTERNAL = 13;
export const UNAVAILABLE = 14;

/** What the engine served for a call (`PlanEngine.serveCall`), as the frame that answers it. */
export type ServedCall = { response: Uint8Array } | { error: { code: number; details: string } };

const KINDS = ["call", "response", "error"] as const;
const HEADER_BYTES = 4 + 4 + 1;

export function encodeFrame(frame: EngineFrame): Buffer {
  let body: Buffer;
  if (frame.kind === "call") {
    const path = Buffer.from(frame.path, "utf8");
    body = Buffer.allocUnsafe(2 + path.length + frame.request.length);
    body.writeUInt16LE(path.length, 0);
    path.copy(body, 2);
    body.set(frame.request, 2 + path.length);
  } else if (frame.kind === "response") {
    body = Buffer.from(frame.response.buffer, frame.response.byteOffset, frame.response.byteLength);
  } else {
    const details = Buffer.from(frame.details, "utf8");
    body = Buffer.allocUnsafe(4 + details.length);
    body.writeUInt32LE(frame.code, 0);
    details.copy(body, 4);
  }
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(HEADER_BYTES - 4 + body.length, 0);
  header.writeUInt32LE(frame.callId, 4);
  header.writeUInt8(KINDS.indexOf(frame.kind), 8);
  return Buffer.concat([header, body]);
}

/** The frame answering call `callId` with what was served; an answer too large to frame is an INTERNAL error. */
export function answerFrame(callId: number, served: ServedCall): Buffer {
  try {
    return encodeFrame("response" in served ? { kind: "response", callId, response: served.response } : { kind: "error", callId, ...served.error });
  } catch (error) {
    return encodeFrame({ kind: "error", callId, code: INTERNAL, details: `the plan cannot send its answer: ${(error as Error).message}` });
  }
}

/** Frames out of a byte stream, chunk by chunk; throws on bytes that are not frames. */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  push(chunk: Buffer): EngineFrame[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: EngineFrame[] = [];
    while (this.pendingBytes >= 4) {
      const head = this.pending[0]!.length >= 4 ? this.pending[0]! : this.joined();
      const length = head.readUInt32LE(0);
      if (length < HEADER_BYTES - 4 || length > MAX_FRAME_BYTES) throw new Error(`an engine channel frame of ${length} bytes`);
      if (this.pendingBytes < 4 + length) break;
      const buffer = this.joined();
      frames.push(decodeFrame(buffer.subarray(4, 4 + length)));
      const rest = buffer.subarray(4 + length);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
    }
    return frames;
  }

  private joined(): Buffer {
    if (this.pending.length > 1) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0]!;
  }
}

function decodeFrame(frame: Buffer): EngineFrame {
  const callId = frame.readUInt32LE(0);
  const kind = KINDS[frame.readUInt8(4)];
  const body = frame.subarray(5);
  if (kind === "call") {
    const pathLength = body.readUInt16LE(0);
    if (2 + pathLength > body.length) throw new Error("an engine call whose path overruns its frame");
    return { kind, callId, path: body.toString("utf8", 2, 2 + pathLength), request: body.subarray(2 + pathLength) };
  }
  if (kind === "response") return { kind, callId, response: body };
  if (kind === "error") return { kind, callId, code: body.readUInt32LE(0), details: body.toString("utf8", 4) };
  throw new Error("an engine channel frame of an unknown kind");
}
