import { describe, expect, it } from "vitest";
import { mlEndpointAllowedAuthModes } from "../../policies/rules/ml-endpoint-allowed-auth-modes";
import { mlEndpointAuthExclusive } from "../../policies/rules/ml-endpoint-auth-exclusive";
import { mlEndpointAuthRequired } from "../../policies/rules/ml-endpoint-auth-required";
import { mlEndpointTokenComputeSupported } from "../../policies/rules/ml-endpoint-token-compute-supported";
import { runResourcePolicy } from "./policyHarness";

// Where each shape comes from:
// - AKSService inputs take computeType ("AKS"), authEnabled, aadAuthEnabled and computeName flat; `properties`
//   is `{[key: string]: string}`, "The service properties dictionary": pulumi/pulumi-azure-native
//   sdk/nodejs/machinelearningservices/v20210401/aksservice.ts (AKSServiceArgs).
// - ACIService inputs take computeType ("ACI") and authEnabled flat and offer no aadAuthEnabled at all:
//   sdk/nodejs/machinelearningservices/v20210401/aciservice.ts (ACIServiceArgs).
// - MachineLearningService inputs are computeType (flat), description, environmentImageRequest, keys, kvTags,
//   location, properties (the same free-form dictionary), resourceGroupName, serviceName, workspaceName: no
//   auth flag anywhere: sdk/nodejs/machinelearningservices/v20210401/machineLearningService.ts and
//   sdk/nodejs/machinelearningservices/machineLearningService.ts (MachineLearningServiceArgs).
// - The REST body of PUT .../workspaces/{ws}/services/{name} (2021-04-01) is the flat CreateServiceRequest:
//   Azure/azure-rest-api-specs specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/
//   stable/2021-04-01/examples/createOrUpdateService.json (computeType, authEnabled next to environmentImageRequest),
//   and Azure/bicep-types-az generated/machinelearningservices/microsoft.machinelearningservices/2021-04-01/types.md
//   (workspaces/services: authEnabled, aadAuthEnabled, computeType at the top; properties: CreateServiceRequestProperties).
const AKS = "azure-native:machinelearningservices/v20210401:AKSService";
const ACI = "azure-native:machinelearningservices:ACIService";
const LOCAL_AKS = "azure-native_machinelearningservices_v20210401:machinelearningservices/v20210401:AKSService";
const GENERIC = "azure-native:machinelearningservices/v20210401:MachineLearningService";

const EXCLUSIVE = "ml-endpoint-auth-exclusive";
const REQUIRED = "ml-endpoint-auth-required";
const TOKEN_COMPUTE = "ml-endpoint-token-compute-supported";
const ALLOWED = "ml-endpoint-allowed-auth-modes";
const POLICIES = [mlEndpointAuthExclusive, mlEndpointAuthRequired, mlEndpointTokenComputeSupported, mlEndpointAllowedAuthModes];
/** Production's list: tokens only. */
const TOKENS_ONLY = { allowedAuthModes: ["AMLToken", "AADToken"] };

const base = { resourceGroupName: "rg", workspaceName: "ws", serviceName: "scoring" };

const cases: { name: string; type: string; props: Record<string, unknown>; failing: string[] }[] = [
  { name: "AKSService flat token auth, keys off: one mechanism", type: AKS, props: { ...base, computeType: "AKS", authEnabled: false, aadAuthEnabled: true }, failing: [] },
  { name: "AKSService flat token auth with keys on by default", type: AKS, props: { ...base, computeType: "AKS", aadAuthEnabled: true }, failing: [EXCLUSIVE, ALLOWED] },
  {
    name: "AKSService: token flag only in the free-form properties dictionary does not count (key auth by default)",
    type: AKS,
    props: { ...base, computeType: "AKS", properties: { aadAuthEnabled: "true", authEnabled: "false" } },
    failing: [ALLOWED],
  },
  {
    name: "AKSService: keys off in the dictionary do not count, flat flags do",
    type: LOCAL_AKS,
    props: { ...base, computeType: "AKS", authEnabled: false, aadAuthEnabled: true, properties: { authEnabled: "true" } },
    failing: [],
  },
  { name: "ACIService flat key auth", type: ACI, props: { ...base, computeType: "ACI", authEnabled: true }, failing: [ALLOWED] },
  {
    name: "ACIService: a flat token flag, which ACI ignores, is refused next to keys",
    type: ACI,
    props: { ...base, computeType: "ACI", authEnabled: true, aadAuthEnabled: true },
    failing: [EXCLUSIVE, TOKEN_COMPUTE, ALLOWED],
  },
  {
    name: "ACIService: key auth only in the dictionary leaves the service anonymous",
    type: ACI,
    props: { ...base, computeType: "ACI", properties: { authEnabled: "true" } },
    failing: [REQUIRED],
  },
  {
    name: "ACIService: a token flag in the dictionary raises nothing that a flat flag would",
    type: ACI,
    props: { ...base, computeType: "ACI", authEnabled: true, properties: { aadAuthEnabled: "true" } },
    failing: [ALLOWED],
  },
  { name: "MachineLearningService ACI: no auth input exists, anonymous", type: GENERIC, props: { ...base, computeType: "ACI" }, failing: [REQUIRED] },
  {
    name: "MachineLearningService ACI: flags written anyway (flat or nested) are not inputs and do not count",
    type: GENERIC,
    props: { ...base, computeType: "ACI", authEnabled: true, properties: { authEnabled: "true" } },
    failing: [REQUIRED],
  },
  {
    name: "MachineLearningService AKS: keys by default, a token flag written anyway does not make two mechanisms",
    type: GENERIC,
    props: { ...base, computeType: "AKS", aadAuthEnabled: true },
    failing: [ALLOWED],
  },
  { name: "MachineLearningService Custom: not a web service the pack judges", type: GENERIC, props: { ...base, computeType: "Custom" }, failing: [] },
];

describe("v1 services are read by the shape each type really has", () => {
  it.each(cases)("$name", async ({ type, props, failing }) => {
    const failed: string[] = [];
    for (const policy of POLICIES) {
      const run = await runResourcePolicy(policy, { type, props }, { config: policy === mlEndpointAllowedAuthModes ? TOKENS_ONLY : undefined });
      expect(run.previewAdvisory).toBeUndefined();
      if (run.violations.length > 0) failed.push(policy.name);
    }
    expect(failed.sort()).toEqual([...failing].sort());
  });
});
