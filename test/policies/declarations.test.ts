// Reading what a template deployment declares: from the data behind the server's unknown-checking
// proxy (read directly, once per resource) with the outcome reading through the proxy gives, value by
// value, unknowns included.
import { describe, expect, it } from "vitest";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as deserializeModule from "@pulumi/policy/deserialize";
import { declarationsOf, type Declarations } from "../../policies/lib/declarations";
import { deserializeEachStructOnce } from "../../policies/lib/deserializeOnce";
import { unknownCheckingProxy } from "../../policies/lib/policyRuntime";
import { unknown } from "./policyHarness";

const DEPLOYMENT = "azure-native:resources:Deployment";
const ENDPOINT_TYPE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints";

function deploymentProps(template: unknown, parameters: unknown = {}): Record<string, unknown> {
  return { resourceGroupName: "rg", properties: { mode: "Incremental", template, parameters } };
}

function endpoint(properties: unknown, name: unknown = "ws/ep"): Record<string, unknown> {
  return { type: ENDPOINT_TYPE, apiVersion: "2024-10-01", name, location: "westeurope", properties };
}

/** The server's proxy, behind a second proxy that hides what it is: reading goes through the proxy for every value. */
function opaqueProxy(data: Record<string, unknown>): Record<string, unknown> {
  const inner = unknownCheckingProxy(data);
  return new Proxy(inner, {
    get: (target, key) => (typeof key === "string" && key.startsWith("__") && key.endsWith("SpecialProxy") ? undefined : Reflect.get(target, key)),
  });
}

/** Every value a rule can read from the declarations, or what reading it throws. */
function readAll(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object" || depth > 12) return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(record).map((key) => {
      try {
        return [key, readAll(record[key], depth + 1)];
      } catch (error) {
        return [key, `${(error as Error).constructor.name}: ${(error as Error).message}`];
      }
    }),
  );
}

function outcome(read: () => Declarations): unknown {
  try {
    const found = read();
    return { opaque: found.opaque, declarations: found.declarations.map((d) => ({ ...d, props: readAll(d.props) })) };
  } catch (error) {
    return { thrown: `${(error as Error).constructor.name}: ${(error as Error).message}` };
  }
}

const CASES: Record<string, Record<string, unknown>> = {
  "known values": deploymentProps({ resources: [endpoint({ authMode: "Key", keys: { primaryKey: "p" } })] }),
  "an unknown field of a declared resource": deploymentProps({ resources: [endpoint({ authMode: unknown.string, compute: "c" })] }),
  "an unknown parameter value": deploymentProps(
    { parameters: { mode: { type: "string" } }, resources: [endpoint({ authMode: "[parameters('mode')]" })] },
    { mode: { value: unknown.string } },
  ),
  "an unknown element of the template's resources": deploymentProps({ resources: [endpoint({ authMode: "Key" }), unknown.object] }),
  "an unknown element of a nested list": deploymentProps({ resources: [endpoint({ authMode: "Key", tags: ["a", unknown.string] })] }),
  "unknown properties": { resourceGroupName: "rg", properties: unknown.object },
  "an unknown template": deploymentProps(unknown.object),
  "an unknown resource group": { resourceGroupName: unknown.string, properties: { template: { resources: [endpoint({ authMode: "[resourceGroup().name]" })] } } },
  "an unknown name segment": deploymentProps(
    { parameters: { ep: { type: "string" } }, resources: [endpoint({}, "[format('ws/{0}', parameters('ep'))]")] },
    { ep: { value: unknown.string } },
  ),
};

describe("declarations of a template deployment", () => {
  for (const [name, props] of Object.entries(CASES)) {
    it(`reads ${name} from the data as it reads it through the proxy`, () => {
      const direct = outcome(() => declarationsOf(DEPLOYMENT, unknownCheckingProxy(structuredClone(props)), "some-policy"));
      const throughProxy = outcome(() => declarationsOf(DEPLOYMENT, opaqueProxy(structuredClone(props)), "some-policy"));
      expect(direct).toEqual(throughProxy);
    });
  }

  it("evaluates a resource's template once for every policy given the same data, and never for other data", () => {
    const data = structuredClone(CASES["known values"]!);
    const first = declarationsOf(DEPLOYMENT, unknownCheckingProxy(data), "policy-a");
    expect(declarationsOf(DEPLOYMENT, unknownCheckingProxy(data), "policy-b")).toBe(first);
    // equal content from another resource is read on its own
    const other = declarationsOf(DEPLOYMENT, unknownCheckingProxy(structuredClone(data)), "policy-a");
    expect(other).not.toBe(first);
    expect(outcome(() => other)).toEqual(outcome(() => first));
    // a stack policy's context changes what the template means: not shared
    const withContext = declarationsOf(DEPLOYMENT, unknownCheckingProxy(data), "policy-a", { resourceGroupLocation: () => "westeurope" });
    expect(withContext).not.toBe(first);
  });

  it("names each policy in the advisory of a template it cannot read yet, when the reading is shared", () => {
    const data = structuredClone(CASES["unknown properties"]!);
    expect(() => declarationsOf(DEPLOYMENT, unknownCheckingProxy(data), "policy-a")).toThrow(/policy-a runs at update/);
    expect(() => declarationsOf(DEPLOYMENT, unknownCheckingProxy(data), "policy-b")).toThrow(/policy-b runs at update/);
  });
});

describe("deserializing each Struct once", () => {
  type Deserialize = (struct: Struct, proxySecrets: boolean) => Record<string, unknown>;
  const runtime = deserializeModule as unknown as { deserializeProperties: Deserialize };

  it("gives every policy of a call the same props, and a remediation its own copy", () => {
    // installed for this test only: the other files of this worker deserialize as the SDK does
    const sdkDeserialize = runtime.deserializeProperties;
    try {
      deserializeEachStructOnce();
      const installed = runtime.deserializeProperties;
      deserializeEachStructOnce();
      expect(runtime.deserializeProperties).toBe(installed);

      const struct = Struct.fromJavaScript({ authMode: "Key", tags: { a: "b" } });
      const props = runtime.deserializeProperties(struct, false);
      expect(props).toEqual({ authMode: "Key", tags: { a: "b" } });
      expect(runtime.deserializeProperties(struct, false)).toBe(props);
      const sameContent = Struct.fromJavaScript({ authMode: "Key", tags: { a: "b" } });
      expect(runtime.deserializeProperties(sameContent, false)).not.toBe(props);
      const forRemediation = runtime.deserializeProperties(struct, true);
      expect(forRemediation).not.toBe(props);
      expect(runtime.deserializeProperties(struct, true)).not.toBe(forRemediation);
    } finally {
      runtime.deserializeProperties = sdkDeserialize;
    }
  });
});
