// The analyzer's requests written directly (plan/analyzerWire.ts) against google-protobuf's own
// encoding of the same messages, built with the generated classes field by field: the pack must
// decode exactly what it would decode from google-protobuf.
import { describe, expect, it } from "vitest";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import type { AnalyzerProviderResource, AnalyzerResource, AnalyzerResourceOptions, AnalyzerStackResource } from "../../plan/analyzer";
import { encodeAnalyzeRequest, encodeAnalyzeStackRequest } from "../../plan/analyzerWire";
import { random, wireObject } from "../harness/wireValueGenerator";

// --- the reference: google-protobuf's messages, as the engine's Go side would fill them -------------------

function optionsMessage(options: AnalyzerResourceOptions): analyzerPb.AnalyzerResourceOptions {
  const message = new analyzerPb.AnalyzerResourceOptions();
  message.setProtect(options.protect);
  message.setIgnorechangesList(options.ignoreChanges ?? []);
  message.setAliasesList(options.aliases ?? []);
  message.setAdditionalsecretoutputsList(options.additionalSecretOutputs ?? []);
  if (options.deleteBeforeReplace !== undefined) {
    message.setDeletebeforereplacedefined(true);
    message.setDeletebeforereplace(options.deleteBeforeReplace);
  }
  message.setCustomtimeouts(new analyzerPb.AnalyzerResourceOptions.CustomTimeouts());
  message.setParent(options.parent ?? "");
  return message;
}

function providerMessage(provider: AnalyzerProviderResource): analyzerPb.AnalyzerProviderResource {
  const message = new analyzerPb.AnalyzerProviderResource();
  message.setUrn(provider.urn);
  message.setType(provider.type);
  message.setName(provider.name);
  message.setProperties(Struct.fromJavaScript(provider.properties as never));
  return message;
}

function withResourceFields<M extends analyzerPb.AnalyzeRequest | analyzerPb.AnalyzerResource>(message: M, resource: AnalyzerResource): M {
  message.setUrn(resource.urn);
  message.setType(resource.type);
  message.setName(resource.name);
  message.setProperties(Struct.fromJavaScript(resource.properties as never));
  message.setOptions(optionsMessage(resource.options));
  if (resource.provider) message.setProvider(providerMessage(resource.provider));
  return message;
}

function referenceAnalyzeRequest(resource: AnalyzerResource): Buffer {
  return Buffer.from(withResourceFields(new analyzerPb.AnalyzeRequest(), resource).serializeBinary());
}

function referenceStackRequest(resources: AnalyzerStackResource[]): Buffer {
  const request = new analyzerPb.AnalyzeStackRequest();
  request.setResourcesList(
    resources.map((resource) => {
      const message = withResourceFields(new analyzerPb.AnalyzerResource(), resource);
      message.setParent(resource.parent ?? "");
      message.setDependenciesList(resource.dependencies);
      const map = message.getPropertydependenciesMap();
      for (const [key, urns] of Object.entries(resource.propertyDependencies)) {
        const dependencies = new analyzerPb.AnalyzerPropertyDependencies();
        dependencies.setUrnsList(urns);
        map.set(key, dependencies);
      }
      return message;
    }),
  );
  return Buffer.from(request.serializeBinary());
}

// --- resources a program can send ---------------------------------------------------------------------------

function resource(next: () => number, index: number): AnalyzerStackResource {
  const urn = (name: string): string => `urn:pulumi:dev::p::azure-native:machinelearningservices:OnlineEndpoint::${name}`;
  const options: AnalyzerResourceOptions = {
    protect: next() < 0.3,
    ...(next() < 0.5 ? { parent: urn(`parent-${index}`) } : {}),
    ...(next() < 0.3 ? { ignoreChanges: ["tags", "", "properties.keys"] } : {}),
    ...(next() < 0.3 ? { aliases: [urn(`old-${index}`)] } : {}),
    ...(next() < 0.3 ? { additionalSecretOutputs: ["keys"] } : {}),
    ...(next() < 0.3 ? { deleteBeforeReplace: next() < 0.5 } : {}),
  };
  return {
    urn: index % 7 === 0 ? "" : urn(`ep-${index}\uD800`),
    type: index % 5 === 0 ? "" : "azure-native:machinelearningservices:OnlineEndpoint",
    name: index % 6 === 0 ? "" : `ep-${index}`,
    properties: wireObject(next, 0),
    options,
    ...(next() < 0.4
      ? { provider: { urn: urn("provider"), type: "pulumi:providers:azure-native", name: index % 4 === 0 ? "" : "provider", properties: wireObject(next, 1) } }
      : {}),
    ...(next() < 0.5 ? { parent: urn(`parent-${index}`) } : {}),
    dependencies: next() < 0.5 ? [urn("a"), "", urn("b")] : [],
    propertyDependencies: next() < 0.5 ? { workspaceName: [urn("ws")], "": [], "10": [urn("x"), urn("y")], "2": [] } : {},
  };
}

describe("analyzer requests in wire format", () => {
  it("writes AnalyzeRequest byte for byte as google-protobuf does, for 2,000 generated resources", () => {
    const next = random(20240601);
    for (let i = 0; i < 2000; i++) {
      const { parent: _parent, dependencies: _dependencies, propertyDependencies: _propertyDependencies, ...analyzed } = resource(next, i);
      const written = encodeAnalyzeRequest(analyzed);
      const expected = referenceAnalyzeRequest(analyzed);
      if (!written.equals(expected)) expect({ case: i, written: written.toString("hex") }).toEqual({ case: i, written: expected.toString("hex") });
    }
  });

  it("writes AnalyzeStackRequest byte for byte as google-protobuf does", () => {
    const next = random(77);
    const resources = Array.from({ length: 400 }, (_, i) => resource(next, i));
    expect(encodeAnalyzeStackRequest(resources).equals(referenceStackRequest(resources))).toBe(true);
    expect(encodeAnalyzeStackRequest([]).length).toBe(0);
  });

  it("writes a message over 16 KiB, whose length takes three bytes, as google-protobuf does", () => {
    const big: AnalyzerResource = {
      urn: "urn:pulumi:dev::p::azure-native:resources:Deployment::big",
      type: "azure-native:resources:Deployment",
      name: "big",
      properties: { template: { resources: Array.from({ length: 400 }, (_, i) => ({ name: `r${i}`, text: "é".repeat(40) })) } },
      options: { protect: false },
    };
    const written = encodeAnalyzeRequest(big);
    expect(written.length).toBeGreaterThan(16 * 1024);
    expect(written.equals(referenceAnalyzeRequest(big))).toBe(true);
  });

  it("refuses what Struct.fromJavaScript refuses", () => {
    const withUndefined = { urn: "u", type: "t", name: "n", properties: { a: undefined } as never, options: { protect: false } };
    expect(() => referenceAnalyzeRequest(withUndefined)).toThrow("Unexpected struct type.");
    expect(() => encodeAnalyzeRequest(withUndefined)).toThrow("Unexpected struct type.");
  });

  it("decodes to the same request google-protobuf decodes from its own bytes", () => {
    const next = random(5);
    const analyzed = resource(next, 3);
    const decoded = analyzerPb.AnalyzeRequest.deserializeBinary(encodeAnalyzeRequest(analyzed));
    expect(decoded.getProperties()?.toJavaScript()).toEqual(analyzerPb.AnalyzeRequest.deserializeBinary(referenceAnalyzeRequest(analyzed)).getProperties()?.toJavaScript());
    expect(decoded.getUrn()).toBe(analyzed.urn);
  });
});
