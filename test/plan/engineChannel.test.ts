// The engine channel's frames (plan/engine/engineChannel.ts) arrive whole and in order however the
// pipe splits or joins them, and bytes that are not frames are refused rather than misread.
import { describe, expect, it } from "vitest";
import { encodeFrame, FrameReader, MAX_FRAME_BYTES, type EngineFrame } from "../../plan/engine/engineChannel";

const FRAMES: EngineFrame[] = [
  { kind: "call", callId: 0, path: "/pulumirpc.ResourceMonitor/RegisterResource", request: Uint8Array.from([1, 2, 3, 0, 255]) },
  { kind: "response", callId: 0, response: Uint8Array.from([9, 8, 7]) },
  { kind: "call", callId: 2 ** 32 - 1, path: "/pulumirpc.Engine/Log", request: new Uint8Array(0) },
  { kind: "error", callId: 7, code: 3, details: "Duplicate resource URN 'urn:pulumi:dev::p::t::ü'" },
  { kind: "response", callId: 8, response: new Uint8Array(0) },
];

/** Frames as plain data, whatever Buffer views they were read into. */
const plain = (frames: EngineFrame[]): unknown[] =>
  frames.map((frame) =>
    frame.kind === "call" ? { ...frame, request: [...frame.request] } : frame.kind === "response" ? { ...frame, response: [...frame.response] } : frame,
  );

describe("the engine channel", () => {
  const stream = Buffer.concat(FRAMES.map(encodeFrame));

  it("reads frames written back to back in one chunk", () => {
    expect(plain(new FrameReader().push(stream))).toEqual(plain(FRAMES));
  });

  it("reads frames that arrive a byte at a time", () => {
    const reader = new FrameReader();
    const read: EngineFrame[] = [];
    for (const byte of stream) read.push(...reader.push(Buffer.from([byte])));
    expect(plain(read)).toEqual(plain(FRAMES));
  });

  it("reads frames split anywhere across two chunks", () => {
    for (let at = 0; at <= stream.length; at += 3) {
      const reader = new FrameReader();
      expect(plain([...reader.push(stream.subarray(0, at)), ...reader.push(stream.subarray(at))])).toEqual(plain(FRAMES));
    }
  });

  it("refuses a length past the limit or short of a header, an unknown kind and a path past its frame", () => {
    const header = (length: number, kind: number): Buffer => {
      const bytes = Buffer.alloc(9);
      bytes.writeUInt32LE(length, 0);
      bytes.writeUInt8(kind, 8);
      return bytes;
    };
    expect(() => new FrameReader().push(header(MAX_FRAME_BYTES + 1, 0))).toThrow(/frame of \d+ bytes/);
    expect(() => new FrameReader().push(header(4, 0))).toThrow(/frame of 4 bytes/);
    expect(() => new FrameReader().push(header(5, 9))).toThrow(/unknown kind/);
    const overrun = Buffer.concat([header(5 + 2 + 1, 0), Buffer.from([200, 0, 65])]);
    expect(() => new FrameReader().push(overrun)).toThrow(/path overruns/);
  });
});
