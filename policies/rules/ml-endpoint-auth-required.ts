import type { ResourceValidationPolicy } from "@pulumi/policy";
import { LEARN } from "../lib/metadata";
import { validateWebServices } from "../lib/policyKit";
import { effectiveV1Auth, requireEndpointAuthMode } from "../lib/webServices";

const name = "ml-endpoint-auth-required";

/** No anonymous web services: the v1 ACI default (no auth at all) is refused, as is ACI with only the ignored token flag. */
export const mlEndpointAuthRequired: ResourceValidationPolicy = {
  name,
  description: "An Azure ML web service requires authentication: no anonymous scoring endpoints.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "v1 ACI services have key auth off by default: set authEnabled: true (ACI supports only keys and ignores " +
    "aadAuthEnabled, so token auth does not count there), or migrate to a " +
    "managed online endpoint. v1 AKS services: leave authEnabled unset or true, or set aadAuthEnabled: true with " +
    "authEnabled: false. Online endpoints: set properties.authMode.",
  url: LEARN.v1WebServiceAuth,
  tags: ["azure", "machine-learning", "authentication"],
  validateResource: validateWebServices(name, (service, props, _args, reportViolation) => {
    if (service.generation === "v1") {
      const auth = effectiveV1Auth(service.compute, props, service.kind, name);
      if (auth.key || auth.token) return;
      if (service.compute === "ACI" && auth.tokenFlag) {
        reportViolation(
          "v1 ACI service sets only token auth (aadAuthEnabled: true), but ACI ignores aadAuthEnabled, so the service is " +
            "anonymous and anyone can call it; set authEnabled: true, or migrate to a managed online endpoint with authMode " +
            "AMLToken or AADToken",
        );
      } else if (service.compute === "ACI") {
        reportViolation(
          "v1 ACI service has neither key nor token auth (authEnabled is off by default on ACI), so anyone can call it; " +
            "set authEnabled: true, or migrate to a managed online endpoint with authMode AMLToken or AADToken",
        );
      } else {
        reportViolation(
          "v1 AKS service has neither key nor token auth (authEnabled: false and aadAuthEnabled off), so anyone can call it; " +
            "remove authEnabled: false to keep keys, or set aadAuthEnabled: true for token auth",
        );
      }
      return;
    }
    // A v2 endpoint always has one mode; only an untyped program can leave it out.
    const authMode = requireEndpointAuthMode(props, name);
    if (authMode === undefined || authMode === "") {
      reportViolation(`OnlineEndpoint sets no properties.authMode; set it to "AMLToken", "AADToken" or "Key"`);
    }
  }, { reportUnreadableTemplates: true }),
};
