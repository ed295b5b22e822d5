import { beforeAll, describe, expect, it } from "vitest";
import type { PackageSpec, Property } from "@pulumi/pulumi/provider/experimental/schema";
import { packageProvider, packageSchema, TOKENS } from "./packageProvider";

// The contract other languages see: `pulumi package add` generates their SDKs from this schema.
let schema: PackageSpec;
beforeAll(async () => {
  schema = await packageSchema(packageProvider());
});

const ref = (type: string) => `#/types/aml-webservices:index:${type}`;

function resource(token: string) {
  const spec = schema.resources[token];
  if (!spec) throw new Error(`${token} is not in the schema`);
  return { inputs: spec.inputProperties ?? {}, required: [...(spec.requiredInputs ?? [])].sort(), outputs: spec.properties ?? {}, spec };
}

describe("the package schema", () => {
  it("names the package aml-webservices and holds the four components, as components", () => {
    expect(schema.name).toBe("aml-webservices");
    expect(Object.keys(schema.resources).sort()).toEqual([TOKENS.AadApplications, TOKENS.AksInferenceCluster, TOKENS.MlWorkspace, TOKENS.ModelWebService].sort());
    for (const spec of Object.values(schema.resources)) expect(spec.isComponent).toBe(true);
  });

  it("documents every input, every output and every property of every type", () => {
    const undocumented: string[] = [];
    const check = (where: string, properties: Record<string, Property> | undefined) => {
      for (const [name, property] of Object.entries(properties ?? {})) if (!property.description?.trim()) undocumented.push(`${where}.${name}`);
    };
    for (const [token, spec] of Object.entries(schema.resources)) {
      if (!spec.description?.trim()) undocumented.push(token);
      check(`${token} input`, spec.inputProperties);
      check(`${token} output`, spec.properties);
    }
    // The SDK's schema generator keeps no description of a type itself, only of its properties.
    for (const [token, type] of Object.entries(schema.types)) check(token, type.properties);
    expect(undocumented).toEqual([]);
  });

  it("MlWorkspace takes its region as a string, checked at run time, and a network object", () => {
    const { inputs, required, outputs } = resource(TOKENS.MlWorkspace);
    expect(Object.keys(inputs).sort()).toEqual(["environment", "hbi", "location", "nameSuffix", "network", "protect", "tags"]);
    expect(required).toEqual(["environment", "location"]);
    expect(inputs.location).toMatchObject({ type: "string" });
    expect(inputs.network).toMatchObject({ $ref: ref("NetworkSettings") });
    expect(schema.types["aml-webservices:index:NetworkKind"]?.enum?.map((member) => member.value)).toEqual(["public", "private"]);
    // what a cluster or service needs of the workspace, by value
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(["environment", "location", "privateEndpoint", "tags", "subscriptionId", "resourceGroupName", "workspaceName", "workspaceArmId", "aksSubnetId"]),
    );
  });

  it("AksInferenceCluster and ModelWebService take the workspace by its values, not as an object of another component", () => {
    for (const token of [TOKENS.AksInferenceCluster, TOKENS.ModelWebService]) {
      expect(resource(token).inputs.workspace).toMatchObject({ $ref: ref("WorkspaceReference") });
    }
    const reference = schema.types["aml-webservices:index:WorkspaceReference"]!;
    expect(reference.properties?.location).toMatchObject({ type: "string" });
    expect(reference.properties?.subscriptionId).toMatchObject({ type: "string" });
    // outputs of another component reach it as inputs: not plain
    expect(reference.properties?.subscriptionId?.plain).toBeUndefined();
  });

  it("AksInferenceCluster: a cluster to create or attach, a transport, and the compute id as output", () => {
    const { inputs, required, outputs } = resource(TOKENS.AksInferenceCluster);
    expect(Object.keys(inputs).sort()).toEqual(["allowCrossRegion", "cluster", "inferenceRouterServiceType", "transport", "workspace"]);
    expect(required).toEqual(["transport", "workspace"]);
    expect(Object.keys(outputs).sort()).toEqual(["allowCrossRegion", "clusterId", "computeId", "computeName", "kubeconfig", "location"]);
    expect(schema.types["aml-webservices:index:InferenceRouterServiceType"]?.enum?.map((member) => member.value)).toEqual(["LoadBalancer", "NodePort", "ClusterIP"]);
  });

  it("ModelWebService: one auth mode from a closed set, and the credentials outputs", () => {
    const { inputs, required, outputs } = resource(TOKENS.ModelWebService);
    expect(required).toEqual(["compute", "endpointName", "model", "workspace"]);
    expect(inputs.compute).toMatchObject({ $ref: ref("ComputeSettings") });
    const compute = schema.types["aml-webservices:index:ComputeSettings"]!;
    expect(compute.properties?.auth).toMatchObject({ $ref: ref("ServiceAuth") });
    expect(compute.properties?.kind).toMatchObject({ $ref: ref("ComputeKind") });
    expect(schema.types["aml-webservices:index:ServiceAuth"]?.enum?.map((member) => member.value)).toEqual(["key", "amlToken", "aadToken"]);
    expect(schema.types["aml-webservices:index:ComputeKind"]?.enum?.map((member) => member.value)).toEqual(["managed", "kubernetes"]);
    expect(Object.keys(outputs).sort()).toEqual(["aadTokenAudience", "authMode", "configuredKeys", "endpointName", "keys", "regenerateKeysPath", "scoringUri", "tokenAccess"]);
    expect(outputs.keys).toMatchObject({ $ref: ref("EndpointKeys") });
    expect(outputs.tokenAccess).toMatchObject({ $ref: ref("TokenAccess") });
  });

  it("AadApplications exposes the client context and the web app's service principal object id", () => {
    const { inputs, required, outputs } = resource(TOKENS.AadApplications);
    expect(Object.keys(inputs).sort()).toEqual(["authority", "environment", "grantAdminConsent"]);
    expect(required).toEqual(["environment"]);
    expect(outputs.clientContext).toMatchObject({ $ref: ref("ClientContext") });
    expect(outputs.webServicePrincipalObjectId).toMatchObject({ type: "string" });
  });
});
