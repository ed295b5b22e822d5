import type { ResourceValidationPolicy } from "@pulumi/policy";
import { LEARN } from "../lib/metadata";
import { validateWebServices } from "../lib/policyKit";
import { requireKnown } from "../lib/values";
import { canonicalAuthMode, readEndpointAuthMode, readEndpointCompute, requireEndpointAuthMode, v1TokenAuthEnabled } from "../lib/webServices";

const name = "ml-endpoint-token-compute-supported";

/** Token auth only where the compute supports it: not on v1 ACI, and no Entra ID tokens on Kubernetes. */
export const mlEndpointTokenComputeSupported: ResourceValidationPolicy = {
  name,
  description:
    "Token auth is used only on compute that supports it: v1 ACI services support no tokens, " +
    "Kubernetes online endpoints support no Entra ID (AADToken) tokens.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "v1 ACI services: set aadAuthEnabled: false and use key auth (authEnabled: true), or migrate to a managed online " +
    "endpoint. Kubernetes online endpoints (properties.compute set): use authMode AMLToken or Key, or remove " +
    "properties.compute to make it a managed endpoint that supports AADToken.",
  url: LEARN.onlineEndpointAuth,
  tags: ["azure", "machine-learning", "authentication", "kubernetes"],
  validateResource: validateWebServices(name, (service, props, _args, reportViolation) => {
    if (service.generation === "v1") {
      if (service.compute === "ACI" && v1TokenAuthEnabled(props, service.kind, name)) {
        reportViolation(
          "v1 ACI service enables token auth (aadAuthEnabled), which ACI does not support; " +
            "set aadAuthEnabled: false and authEnabled: true, or migrate to a managed online endpoint with authMode AMLToken",
        );
      }
      return;
    }
    const authMode = readEndpointAuthMode(props);
    if (authMode.status === "known" && (authMode.value === undefined || canonicalAuthMode(authMode.value) !== "AADToken")) return;
    const computeRead = readEndpointCompute(props);
    // A managed endpoint (no compute) accepts every mode, whatever the mode turns out to be.
    if (computeRead.status === "known" && !computeRead.value) return;
    requireEndpointAuthMode(props, name);
    const compute = requireKnown(computeRead, "properties.compute is known only after the compute is created", name);
    if (compute) {
      reportViolation(
        `OnlineEndpoint uses authMode AADToken on Kubernetes compute ${compute}; Entra ID tokens work only on managed ` +
          `online endpoints: use authMode "AMLToken" (or "Key"), or remove properties.compute to make it a managed endpoint`,
      );
    }
  }),
};
