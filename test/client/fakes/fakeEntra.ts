import { FakeService } from "./fakeService";
import type { FakeRequest, FakeResponse } from "./httpsServer";
import type { FakeAzureWorld } from "./world";

/**
 * A Microsoft Entra ID authority as MSAL (under @azure/identity) talks to it: OpenID Connect discovery
 * metadata, the v2.0 token endpoint (client credentials and device code grants) and the device code
 * endpoint, which MSAL derives from the token endpoint. Instance discovery is the client's to disable
 * (`disableInstanceDiscovery`), since MSAL asks login.microsoftonline.com for it.
 * Protocol: RFC 8628 (device authorization grant) and Microsoft identity platform v2.0 endpoints.
 */
export interface FakeEntraOptions {
  readonly tenant: string;
  /** Public client apps that may use the device code flow. */
  readonly publicClients: readonly string[];
  /** Lifetime of issued access tokens, seconds. */
  readonly tokenLifetimeSeconds?: number;
}

const OIDC_SCOPES = new Set(["openid", "profile", "offline_access"]);
/** RFC 8628's grant type, and the short form MSAL sends (msal-common GrantType.DEVICE_CODE_GRANT), which Entra accepts. */
const DEVICE_CODE_GRANTS = new Set(["urn:ietf:params:oauth:grant-type:device_code", "device_code"]);

interface PendingDeviceCode {
  readonly userCode: string;
  readonly clientId: string;
  readonly scope: string;
  readonly expiresAt: number;
  approvedBy?: string;
}

export class FakeEntra extends FakeService {
  private readonly deviceCodes = new Map<string, PendingDeviceCode>();
  /** Every device code prompt shown, so a test can act as the user. */
  readonly userCodes: string[] = [];

  constructor(
    private readonly world: FakeAzureWorld,
    private readonly options: FakeEntraOptions,
  ) {
    super();
  }

  /** The user signs in on another device and enters the code (what verification_uri would do). */
  approve(userCode: string, objectId: string): void {
    const pending = [...this.deviceCodes.values()].find((code) => code.userCode === userCode);
    if (!pending) throw new Error(`no device code with user code ${userCode}`);
    pending.approvedBy = objectId;
  }

  protected handle(request: FakeRequest, base: string): FakeResponse {
    const match = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|oauth2\/v2\.0\/devicecode)$/.exec(request.url.pathname);
    if (!match) return { status: 404, body: { error: "not_found" } };
    const [, tenant, route] = match;
    if (tenant !== this.options.tenant) {
      return oauthError(400, "invalid_tenant", `AADSTS90002: Tenant '${tenant}' not found.`);
    }
    const authority = `${base}/${tenant}`;
    if (route!.startsWith("v2.0") && request.method === "GET") {
      return {
        status: 200,
        body: {
          issuer: `${authority}/v2.0`,
          authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
          token_endpoint: `${authority}/oauth2/v2.0/token`,
          device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
          end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
          jwks_uri: `${authority}/discovery/v2.0/keys`,
          response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
          scopes_supported: ["openid", "profile", "email", "offline_access"],
          token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        },
      };
    }
    if (request.method !== "POST") return { status: 405 };
    const form = new URLSearchParams(request.body);
    if (route === "oauth2/v2.0/devicecode") return this.deviceCode(form, base);
    return this.token(form, authority);
  }

  private deviceCode(form: URLSearchParams, base: string): FakeResponse {
    const clientId = form.get("client_id") ?? "";
    if (!this.options.publicClients.includes(clientId)) {
      return oauthError(400, "unauthorized_client", `AADSTS700016: Application with identifier '${clientId}' was not found or is not a public client.`);
    }
    const deviceCode = this.world.next("device-code");
    const userCode = `CODE${this.userCodes.length + 1}`;
    const expiresIn = 60;
    this.deviceCodes.set(deviceCode, { userCode, clientId, scope: form.get("scope") ?? "", expiresAt: Date.now() + expiresIn * 1000 });
    this.userCodes.push(userCode);
    const verificationUri = `${base}/devicelogin`;
    return {
      status: 200,
      body: {
        user_code: userCode,
        device_code: deviceCode,
        verification_uri: verificationUri,
        expires_in: expiresIn,
        interval: 1,
        message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
      },
    };
  }

  private token(form: URLSearchParams, authority: string): FakeResponse {
    const grant = form.get("grant_type");
    const clientId = form.get("client_id") ?? "";
    const audience = audienceOf(form.get("scope") ?? "");
    if (grant === "client_credentials") {
      const app = this.world.applications.get(clientId);
      if (!app || app.secret !== form.get("client_secret")) {
        return oauthError(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.");
      }
      if (!audience) return oauthError(400, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid.");
      return { status: 200, body: this.issue(app.objectId, audience) };
    }
    if (grant !== null && DEVICE_CODE_GRANTS.has(grant)) {
      const pending = this.deviceCodes.get(form.get("device_code") ?? "");
      if (!pending || pending.clientId !== clientId) return oauthError(400, "invalid_grant", "AADSTS70000: The provided device code is invalid.");
      if (pending.expiresAt <= Date.now()) return oauthError(400, "expired_token", "AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired.");
      if (!pending.approvedBy) return oauthError(400, "authorization_pending", "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.");
      const resource = audienceOf(pending.scope);
      if (!resource) return oauthError(400, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid.");
      this.deviceCodes.delete(form.get("device_code") ?? "");
      return { status: 200, body: { ...this.issue(pending.approvedBy, resource), ...this.identity(pending.approvedBy, clientId, authority) } };
    }
    return oauthError(400, "unsupported_grant_type", `AADSTS70003: The app requested an unsupported grant type '${grant}'.`);
  }

  private issue(objectId: string, audience: string): Record<string, unknown> {
    const lifetime = this.options.tokenLifetimeSeconds ?? 3600;
    const accessToken = this.world.next("entra-token");
    this.world.entraTokens.set(accessToken, { objectId, audience, expiresAt: Date.now() + lifetime * 1000 });
    return { token_type: "Bearer", expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken, scope: `${audience}/.default` };
  }

  /** The id token and client_info a public client gets with openid/profile scopes. */
  private identity(objectId: string, clientId: string, authority: string): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    const claims = { aud: clientId, iss: `${authority}/v2.0`, iat: now, nbf: now, exp: now + 3600, oid: objectId, sub: objectId, tid: this.options.tenant, preferred_username: `${objectId}@example.test`, name: "Test User", ver: "2.0" };
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    return {
      id_token: `${part({ typ: "JWT", alg: "RS256", kid: "fake" })}.${part(claims)}.${Buffer.from("unsigned").toString("base64url")}`,
      client_info: part({ uid: objectId, utid: this.options.tenant }),
    };
  }
}

/** The resource of a v2.0 scope list: the one scope that is not an OpenID scope, without "/.default". */
function audienceOf(scope: string): string | undefined {
  const resourceScopes = scope.split(" ").filter((item) => item !== "" && !OIDC_SCOPES.has(item));
  const first = resourceScopes[0];
  return first?.endsWith("/.default") ? first.slice(0, -"/.default".length) : first;
}

function oauthError(status: number, error: string, description: string): FakeResponse {
  return { status, body: { error, error_description: description, error_codes: [], timestamp: new Date().toISOString(), trace_id: "fake", correlation_id: "fake" } };
}
