import * as pulumi from "@pulumi/pulumi";
import * as azuread from "@pulumi/azuread";
import { DEFAULT_AAD_AUTHORITY, ENVIRONMENT } from "./patterns";
import { stableUuid } from "./stableIds";
import { TYPE_PREFIX } from "./typeTokens";

/** What a client passes to authenticate, as in azureml-model-management-sdk's context. */
export interface ClientContext {
  /** the Entra ID authority, e.g. https://login.microsoftonline.com */
  readonly authuri: string;
  /** the tenant id */
  readonly tenant: string;
  /** the native (public client) app's client id */
  readonly clientid: string;
  /** the web (API) app's client id: the token audience */
  readonly resource: string;
}

export interface AadApplicationsArgs {
  /** Part of the display names, e.g. "dev". */
  readonly environment: string;
  /** Default "https://login.microsoftonline.com". */
  readonly authority?: string;
  /** Grant tenant-wide admin consent for the native app to call the web app. Default true. */
  readonly grantAdminConsent?: boolean;
}

export const NATIVE_CLIENT_REDIRECT_PATH = "/common/oauth2/nativeclient";
export const USER_IMPERSONATION = "user_impersonation";

/**
 * The Entra ID app registrations clients authenticate with: a web (API) app that exposes
 * `user_impersonation`, and a native public-client app allowed to call it.
 */
export class AadApplications extends pulumi.ComponentResource {
  /** The web (API) app registration: the token audience. */
  readonly webApplication: azuread.ApplicationRegistration;
  /** The web app's service principal. */
  readonly webServicePrincipal: azuread.ServicePrincipal;
  /** Object id of the web app's service principal: give it to services as webApplicationPrincipalId. */
  readonly webServicePrincipalObjectId: pulumi.Output<string>;
  /** The native (public client) app registration that clients sign in with. */
  readonly nativeApplication: azuread.ApplicationRegistration;
  /** The native app's service principal. */
  readonly nativeServicePrincipal: azuread.ServicePrincipal;
  /** Id of the web app's `user_impersonation` scope, stable for the environment. */
  readonly userImpersonationScopeId: string;
  /** The tenant-wide consent for the native app to call the web app, when granted. */
  readonly adminConsent?: azuread.ServicePrincipalDelegatedPermissionGrant;
  /** What a client passes to authenticate: `{authuri, tenant, clientid, resource}`. */
  readonly clientContext: pulumi.Output<ClientContext>;

  constructor(name: string, args: AadApplicationsArgs, opts?: pulumi.ComponentResourceOptions) {
    const authority = validatedAuthority(name, args, opts);
    super(`${TYPE_PREFIX}:AadApplications`, name, {}, opts);
    const parent = { parent: this };
    this.userImpersonationScopeId = stableUuid("aad", args.environment, USER_IMPERSONATION);

    this.webApplication = new azuread.ApplicationRegistration(
      `${name}-web`,
      { displayName: `aml-webservices ${args.environment} API`, signInAudience: "AzureADMyOrg", requestedAccessTokenVersion: 2 },
      parent,
    );
    new azuread.ApplicationIdentifierUri(
      `${name}-web-identifier-uri`,
      { applicationId: this.webApplication.id, identifierUri: pulumi.interpolate`api://${this.webApplication.clientId}` },
      parent,
    );
    const scope = new azuread.ApplicationPermissionScope(
      `${name}-web-user-impersonation`,
      {
        applicationId: this.webApplication.id,
        scopeId: this.userImpersonationScopeId,
        value: USER_IMPERSONATION,
        type: "User",
        adminConsentDisplayName: "Call the model web services",
        adminConsentDescription: "Allows the app to call the model web services on behalf of the signed-in user.",
        userConsentDisplayName: "Call the model web services",
        userConsentDescription: "Allows the app to call the model web services on your behalf.",
      },
      parent,
    );
    this.webServicePrincipal = new azuread.ServicePrincipal(`${name}-web-service-principal`, { clientId: this.webApplication.clientId }, parent);
    this.webServicePrincipalObjectId = this.webServicePrincipal.objectId;

    this.nativeApplication = new azuread.ApplicationRegistration(
      `${name}-native`,
      { displayName: `aml-webservices ${args.environment} client`, signInAudience: "AzureADMyOrg" },
      parent,
    );
    new azuread.ApplicationFallbackPublicClient(`${name}-native-public-client`, { applicationId: this.nativeApplication.id, enabled: true }, parent);
    new azuread.ApplicationRedirectUris(
      `${name}-native-redirect-uris`,
      // The nativeclient URI lives at the authority's host, whatever tenant path the authority carries.
      { applicationId: this.nativeApplication.id, type: "PublicClient", redirectUris: [`${new URL(authority).origin}${NATIVE_CLIENT_REDIRECT_PATH}`] },
      parent,
    );
    const apiAccess = new azuread.ApplicationApiAccess(
      `${name}-native-api-access`,
      { applicationId: this.nativeApplication.id, apiClientId: this.webApplication.clientId, scopeIds: [scope.scopeId] },
      parent,
    );
    this.nativeServicePrincipal = new azuread.ServicePrincipal(`${name}-native-service-principal`, { clientId: this.nativeApplication.clientId }, parent);

    if (args.grantAdminConsent ?? true) {
      this.adminConsent = new azuread.ServicePrincipalDelegatedPermissionGrant(
        `${name}-admin-consent`,
        {
          servicePrincipalObjectId: this.nativeServicePrincipal.objectId,
          resourceServicePrincipalObjectId: this.webServicePrincipal.objectId,
          claimValues: [USER_IMPERSONATION],
        },
        { parent: this, dependsOn: [scope, apiAccess] },
      );
    }

    const tenant = azuread.getClientConfigOutput({ parent: this }).tenantId;
    this.clientContext = pulumi
      .all([tenant, this.nativeApplication.clientId, this.webApplication.clientId])
      .apply(([tenantId, nativeClientId, webClientId]) => ({ authuri: authority, tenant: tenantId, clientid: nativeClientId, resource: webClientId }));
    this.registerOutputs({ clientContext: this.clientContext, webServicePrincipalObjectId: this.webServicePrincipalObjectId });
  }
}

function validatedAuthority(name: string, args: AadApplicationsArgs, opts: pulumi.ComponentResourceOptions | undefined): string {
  const authority = (args.authority ?? DEFAULT_AAD_AUTHORITY).replace(/\/+$/, "");
  if (!/^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(authority)) {
    throw new pulumi.ResourceError(`AadApplications "${name}": authority "${authority}" must be an https URL such as "https://login.microsoftonline.com"`, opts?.parent, true);
  }
  if (!ENVIRONMENT.test(args.environment)) {
    throw new pulumi.ResourceError(`AadApplications "${name}": environment "${args.environment}" must be 2-10 lowercase letters or digits`, opts?.parent, true);
  }
  return authority;
}
