import type { ResourceValidationPolicy } from "@pulumi/policy";
import { LEARN } from "../lib/metadata";
import { validateWebServices } from "../lib/policyKit";
import { canonicalAuthMode, effectiveV1Auth, endpointCarriesKeys, readEndpointAuthMode, requireEndpointAuthMode } from "../lib/webServices";

const name = "ml-endpoint-auth-exclusive";

function isTokenMode(authMode: string | undefined): boolean {
  const mode = authMode === undefined ? undefined : canonicalAuthMode(authMode);
  return mode === "AMLToken" || mode === "AADToken";
}

/** A web service has exactly one auth mechanism: never keys and tokens together. */
export const mlEndpointAuthExclusive: ResourceValidationPolicy = {
  name,
  description: "An Azure ML web service uses exactly one auth mechanism: key auth or token auth, never both.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "v1 AKS services: set authEnabled: false to keep token auth (aadAuthEnabled), or aadAuthEnabled: false to keep keys; " +
    "authEnabled is on by default on AKS, so token auth needs an explicit authEnabled: false. " +
    "v1 ACI services support only keys: set aadAuthEnabled: false. " +
    "Online endpoints with authMode AMLToken or AADToken: remove properties.keys (initial keys apply only to authMode Key).",
  url: LEARN.v1WebServiceAuth,
  tags: ["azure", "machine-learning", "authentication"],
  validateResource: validateWebServices(name, (service, props, _args, reportViolation) => {
    if (service.generation === "v1") {
      const auth = effectiveV1Auth(service.compute, props, service.kind, name);
      // The flag as set: on ACI the token flag is ignored, but setting it next to keys is still refused.
      if (!(auth.key && auth.tokenFlag)) return;
      if (service.compute === "ACI") {
        reportViolation(
          "v1 ACI service has key auth (authEnabled) and token auth (aadAuthEnabled) both enabled; " +
            "ACI supports only key auth: set aadAuthEnabled: false",
        );
      } else if (auth.keyByDefault) {
        reportViolation(
          "v1 AKS service has key auth (authEnabled, on by default for AKS) and token auth (aadAuthEnabled) both enabled; " +
            "set authEnabled: false to keep token auth, or aadAuthEnabled: false to keep keys",
        );
      } else {
        reportViolation(
          "v1 AKS service has key auth (authEnabled) and token auth (aadAuthEnabled) both enabled; " +
            "set authEnabled: false to keep token auth, or aadAuthEnabled: false to keep keys",
        );
      }
      return;
    }
    // Only a token mode with keys is two mechanisms. A known other mode (Key) needs no keys read, and
    // without keys the mode does not matter, so neither value is waited for when the other settles it.
    const modeRead = readEndpointAuthMode(props);
    if (modeRead.status === "known" && !isTokenMode(modeRead.value)) return;
    if (!endpointCarriesKeys(props, name)) return;
    const authMode = requireEndpointAuthMode(props, name);
    const mode = authMode === undefined ? undefined : canonicalAuthMode(authMode);
    if (mode === "AMLToken" || mode === "AADToken") {
      reportViolation(
        `OnlineEndpoint uses authMode ${mode} but sets properties.keys, which only authMode Key uses; ` +
          `remove properties.keys, or set properties.authMode to "Key" to use keys instead of tokens`,
      );
    }
  }),
};
