// The pack reads the Structs of its requests from their bytes (policies/lib/structDecoding.ts): what it
// reads must be what google-protobuf decodes, for what the engine writes and for anything else.
import { describe, expect, it } from "vitest";
import { Struct, Value } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import { decodeStructsOnDemand, structToJavaScript } from "../../policies/lib/structDecoding";
import { random, wireObject } from "../harness/wireValueGenerator";

/** google-protobuf's own reading, the reference (taken before the pack's reader is installed below). */
const referenceRead = (bytes: Uint8Array): Record<string, unknown> => Struct.deserializeBinary(bytes).toJavaScript();

function outcome(read: () => unknown): unknown {
  try {
    return { value: read() };
  } catch (error) {
    return { thrown: (error as Error).message };
  }
}

const bytesOf = (value: Record<string, unknown>): Uint8Array => Struct.fromJavaScript(value as never).serializeBinary();

/** A map entry of a Struct, written by hand: key and Value bytes. */
function entry(key: string, value: Uint8Array): Buffer {
  const keyBytes = Buffer.from(key, "utf8");
  const body = Buffer.concat([Buffer.from([0x0a, keyBytes.length]), keyBytes, Buffer.from([0x12, value.length]), value]);
  return Buffer.concat([Buffer.from([0x0a, body.length]), body]);
}

const NOT_PLAIN: Record<string, Uint8Array> = {
  "keys out of order": Buffer.concat([entry("b", Value.fromJavaScript(1).serializeBinary()), entry("a", Value.fromJavaScript(2).serializeBinary())]),
  "a key given twice": Buffer.concat([entry("a", Value.fromJavaScript(1).serializeBinary()), entry("a", Value.fromJavaScript("again").serializeBinary())]),
  "a value without a kind": entry("a", new Uint8Array()),
  "a value with two kinds": entry("a", Buffer.concat([Value.fromJavaScript(1).serializeBinary(), Value.fromJavaScript("two").serializeBinary()])),
  "a lone surrogate": bytesOf({ text: "a\uD800b", low: "\uDC00", end: "\uDBFF" }),
  "a replacement character": bytesOf({ text: "\uFFFD" }),
  "a field Struct does not have": Buffer.from([0x10, 0x01]),
  "a bool other than 0 or 1": entry("a", Buffer.from([0x20, 0x02])),
  "a truncated entry": entry("a", Value.fromJavaScript("text").serializeBinary()).subarray(0, 6),
};

describe("reading a Struct from its bytes", () => {
  it("reads what google-protobuf reads, for 3,000 generated property sets", () => {
    const next = random(911);
    for (let i = 0; i < 3000; i++) {
      const bytes = bytesOf(wireObject(next, 0));
      const read = outcome(() => structToJavaScript(bytes, () => referenceRead(bytes)));
      const expected = outcome(() => referenceRead(bytes));
      if (!Object.is(JSON.stringify(read), JSON.stringify(expected))) expect({ case: i, read }).toEqual({ case: i, read: expected });
      expect(read).toEqual(expected); // -0 and NaN, which JSON hides
    }
  });

  for (const [name, bytes] of Object.entries(NOT_PLAIN)) {
    it(`leaves ${name} to google-protobuf`, () => {
      let decodedByProtobuf = false;
      const read = outcome(() =>
        structToJavaScript(bytes, () => {
          decodedByProtobuf = true;
          return referenceRead(bytes);
        }),
      );
      expect(decodedByProtobuf).toBe(true);
      expect(read).toEqual(outcome(() => referenceRead(bytes)));
    });
  }

  it("keeps key order and prototype as toJavaScript's assignments do", () => {
    const bytes = Buffer.concat([entry("10", Value.fromJavaScript(1).serializeBinary()), entry("2", Value.fromJavaScript(2).serializeBinary()), entry("__proto__", Value.fromJavaScript("x").serializeBinary()), entry("a", Value.fromJavaScript(3).serializeBinary())]);
    const read = structToJavaScript(bytes, () => referenceRead(bytes));
    const expected = referenceRead(bytes);
    expect(Object.keys(read)).toEqual(Object.keys(expected));
    expect(Object.getPrototypeOf(read)).toBe(Object.getPrototypeOf(expected));
  });
});

describe("the server's requests, once the pack reads Structs on demand", () => {
  it("give the properties google-protobuf gives, and the same message when anything else reads it", () => {
    const next = random(3);
    const requests = Array.from({ length: 200 }, (_, i) => {
      const request = new analyzerPb.AnalyzeRequest();
      request.setUrn(`urn:pulumi:dev::p::t::r${i}`);
      request.setType("azure-native:resources:Deployment");
      request.setProperties(Struct.fromJavaScript(wireObject(next, 0) as never));
      const provider = new analyzerPb.AnalyzerProviderResource();
      provider.setProperties(Struct.fromJavaScript(wireObject(next, 1) as never));
      request.setProvider(provider);
      return Buffer.from(request.serializeBinary());
    });
    const expected = requests.map((bytes) => {
      const request = analyzerPb.AnalyzeRequest.deserializeBinary(bytes);
      return {
        properties: request.getProperties()!.toJavaScript(),
        provider: request.getProvider()!.getProperties()!.toJavaScript(),
        // not always the bytes read: a key google-protobuf cannot write as given changes order
        reserialized: Buffer.from(request.serializeBinary()),
      };
    });

    // installed for this test only: the other files of this worker read google-protobuf's own
    const googleProtobufDecode = Struct.deserializeBinaryFromReader;
    try {
      decodeStructsOnDemand();
      decodeStructsOnDemand(); // installing twice wraps once
      requests.forEach((bytes, i) => {
        const request = analyzerPb.AnalyzeRequest.deserializeBinary(bytes);
        expect(request.getUrn()).toBe(`urn:pulumi:dev::p::t::r${i}`);
        expect(request.getProperties()!.toJavaScript()).toEqual(expected[i]!.properties);
        expect(request.getProvider()!.getProperties()!.toJavaScript()).toEqual(expected[i]!.provider);
        // serializing reads the fields map: the message is then google-protobuf's own
        expect(Buffer.from(request.serializeBinary()).equals(expected[i]!.reserialized)).toBe(true);
        expect(request.getProperties()!.toJavaScript()).toEqual(expected[i]!.properties);
      });
    } finally {
      Struct.deserializeBinaryFromReader = googleProtobufDecode;
    }
  });
});
