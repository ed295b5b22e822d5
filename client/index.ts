export {
  DEFAULT_ARM_ENDPOINT,
  ENTRA_SCORING_AUDIENCE,
  EndpointClient,
  KEY_SLOTS,
  type EndpointClientOptions,
  type EndpointKeys,
  type EndpointToken,
  type EntraToken,
  type InvokeOptions,
  type InvokeResult,
  type KeySlot,
} from "./endpointClient";
export { ENDPOINT_AUTH_MODES, endpointScope, type EndpointAuthMode, type EndpointCoordinates } from "./endpointCoordinates";
export { EndpointClientError, type EndpointErrorKind } from "./errors";
export { CREDENTIAL_KINDS, createCredential, type CredentialKind, type CredentialRequest } from "./credentials";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retryPolicy";
export { endpointFromOutputs, readStackOutputs, clientContextFromOutputs, type EndpointFromOutputs, type StackOutputs } from "./stackOutputs";
