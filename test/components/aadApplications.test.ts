import { describe, expect, it } from "vitest";
import { AadApplications } from "../../components/aadApplications";
import type { AadApplicationsArgs, ClientContext } from "../../components/aadApplications";
import { FAKE_TENANT_ID } from "../../plan/azureFakes";
import { childrenOf, inputs, ofType, outputs, programResources, single } from "../harness/records";
import { runComponents } from "../harness/componentRun";

const T = {
  component: "aml-webservices:index:AadApplications",
  application: "azuread:index/applicationRegistration:ApplicationRegistration",
  identifierUri: "azuread:index/applicationIdentifierUri:ApplicationIdentifierUri",
  scope: "azuread:index/applicationPermissionScope:ApplicationPermissionScope",
  servicePrincipal: "azuread:index/servicePrincipal:ServicePrincipal",
  fallbackPublicClient: "azuread:index/applicationFallbackPublicClient:ApplicationFallbackPublicClient",
  redirectUris: "azuread:index/applicationRedirectUris:ApplicationRedirectUris",
  apiAccess: "azuread:index/applicationApiAccess:ApplicationApiAccess",
  grant: "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant",
};

async function build(args: Partial<AadApplicationsArgs> = {}) {
  let context: Promise<ClientContext> | undefined;
  const run = await runComponents(async () => {
    const aad = new AadApplications("aad", { environment: "dev", ...args });
    context = new Promise((resolve) => aad.clientContext.apply(resolve));
  });
  return { ...run, clientContext: await context! };
}

describe("AadApplications", () => {
  it("creates both apps, their service principals and the split resources under the component", async () => {
    const { resources, errors } = await build();
    expect(errors).toEqual([]);
    const component = single(resources, T.component);
    expect(childrenOf(resources, component).map((r) => r.name).sort()).toEqual(
      [
        "aad-admin-consent",
        "aad-native",
        "aad-native-api-access",
        "aad-native-public-client",
        "aad-native-redirect-uris",
        "aad-native-service-principal",
        "aad-web",
        "aad-web-identifier-uri",
        "aad-web-service-principal",
        "aad-web-user-impersonation",
      ].sort(),
    );
  });

  it("gives the web app the identifier URI api://<its client id>", async () => {
    const { resources } = await build();
    const web = single(resources, T.application, "aad-web");
    expect(inputs(single(resources, T.identifierUri))).toEqual({ applicationId: web.id, identifierUri: `api://${outputs(web).clientId}` });
  });

  it("exposes user_impersonation with an id that is the same on every run", async () => {
    const first = inputs(single((await build()).resources, T.scope));
    const second = inputs(single((await build()).resources, T.scope));
    expect(first.value).toBe("user_impersonation");
    expect(first.scopeId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.scopeId).toBe(first.scopeId);
    const other = inputs(single((await build({ environment: "prod" })).resources, T.scope));
    expect(other.scopeId).not.toBe(first.scopeId);
  });

  it("makes the native app a public client with the nativeclient redirect URI, no secret and access to the web scope", async () => {
    const { resources } = await build();
    const native = single(resources, T.application, "aad-native");
    const web = single(resources, T.application, "aad-web");
    expect(inputs(single(resources, T.fallbackPublicClient))).toEqual({ applicationId: native.id, enabled: true });
    expect(inputs(single(resources, T.redirectUris))).toEqual({
      applicationId: native.id,
      type: "PublicClient",
      redirectUris: ["https://login.microsoftonline.com/common/oauth2/nativeclient"],
    });
    expect(inputs(single(resources, T.apiAccess))).toEqual({
      applicationId: native.id,
      apiClientId: outputs(web).clientId,
      scopeIds: [inputs(single(resources, T.scope)).scopeId],
    });
    expect(resources.some((r) => /Password|Secret|Certificate/.test(r.type))).toBe(false);
    expect(ofType(resources, T.identifierUri).map((r) => inputs(r).applicationId)).toEqual([web.id]);
  });

  it("grants tenant-wide admin consent from the native to the web service principal", async () => {
    const { resources } = await build();
    const grant = single(resources, T.grant);
    expect(inputs(grant)).toEqual({
      servicePrincipalObjectId: outputs(single(resources, T.servicePrincipal, "aad-native-service-principal")).objectId,
      resourceServicePrincipalObjectId: outputs(single(resources, T.servicePrincipal, "aad-web-service-principal")).objectId,
      claimValues: ["user_impersonation"],
    });
    expect(grant.dependencies).toContain(single(resources, T.scope).urn);
  });

  it("creates no consent grant when grantAdminConsent is false", async () => {
    expect(ofType((await build({ grantAdminConsent: false })).resources, T.grant)).toEqual([]);
  });

  it("outputs the client context: the native app as client, the web app as resource", async () => {
    const { resources, clientContext } = await build();
    expect(clientContext).toEqual({
      authuri: "https://login.microsoftonline.com",
      tenant: FAKE_TENANT_ID,
      clientid: outputs(single(resources, T.application, "aad-native")).clientId,
      resource: outputs(single(resources, T.application, "aad-web")).clientId,
    });
  });

  it("follows a sovereign-cloud authority in the context and the redirect URI", async () => {
    const { resources, clientContext } = await build({ authority: "https://login.microsoftonline.us/" });
    expect(clientContext.authuri).toBe("https://login.microsoftonline.us");
    expect(inputs(single(resources, T.redirectUris)).redirectUris).toEqual(["https://login.microsoftonline.us/common/oauth2/nativeclient"]);
  });

  it("keeps a tenant-specific authority in the context but puts the redirect URI at its host", async () => {
    const { resources, clientContext } = await build({ authority: "https://login.microsoftonline.com/contoso.onmicrosoft.com" });
    expect(clientContext.authuri).toBe("https://login.microsoftonline.com/contoso.onmicrosoft.com");
    expect(inputs(single(resources, T.redirectUris)).redirectUris).toEqual(["https://login.microsoftonline.com/common/oauth2/nativeclient"]);
  });

  it("refuses an authority that is not https before registering anything", async () => {
    const { resources, errors } = await runComponents(() => {
      new AadApplications("aad", { environment: "dev", authority: "http://login.example" });
    });
    expect(programResources(resources)).toEqual([]);
    expect(errors.map((e) => e.message)).toEqual([
      `AadApplications "aad": authority "http://login.example" must be an https URL such as "https://login.microsoftonline.com"`,
    ]);
  });
});
