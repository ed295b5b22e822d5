// The library entry point (`aml-webservices`): the typed components, their argument types and the
// endpoint client. Importing it registers nothing; the stack program is index.ts at the repository root.
export * from "../components";
/** Everything of the endpoint client, also at `aml-webservices/client`. */
export * as client from "../client";
export { EndpointClient, EndpointClientError, createCredential, type EndpointClientOptions, type CredentialRequest } from "../client";
