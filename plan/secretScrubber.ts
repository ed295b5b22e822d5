import { REDACTED_SECRET, isPlainObject, isSecretEnvelope } from "./wireValues";

/**
 * Shorter plaintexts are not scrubbed from free text: replacing every "on" or "1" in a report
 * would make it unreadable while protecting nothing. Such secrets still never appear where they
 * are values (inputs are redacted by `wireValues.redact`).
 */
export const MIN_SCRUBBED_LENGTH = 4;

/** Keys whose string values are secret material wherever they sit inside a secret object. */
export const SENSITIVE_KEY = /key|secret|password|passwd|token|credential|connectionstring|certificate|pem|sas|kubeconfig/i;

/**
 * Knows the plaintexts of every secret seen in a plan (secret config values, values inside secret
 * envelopes) and removes them from any text about to be printed, e.g. a policy message that
 * quotes a property.
 */
export class SecretScrubber {
  private readonly secrets = new Set<string>();

  /** Adds plaintexts: strings as they are, numbers in their string form. */
  addPlaintext(...values: unknown[]): void {
    for (const value of values) {
      if (typeof value === "string") this.add(value);
      else if (typeof value === "number") this.add(String(value));
    }
  }

  /**
   * Adds the secrets of a wire-encoded value: the value of every scalar secret envelope, and in a
   * secret object or array (the SDK makes a whole object secret when one of its parts is) the
   * string leaves under a sensitive key (`keys`, `primaryKey`, `password`, `token`...). The other leaves of
   * a secret object (`authMode: "AMLToken"`) are left readable in messages; as values they are
   * redacted with their object anyway.
   */
  addSecretsIn(wire: unknown): void {
    if (isSecretEnvelope(wire)) {
      const value = wire.value;
      if (typeof value === "string" || typeof value === "number") this.addPlaintext(value);
      else this.addSensitiveLeaves(value, false);
      return;
    }
    if (Array.isArray(wire)) wire.forEach((item) => this.addSecretsIn(item));
    else if (isPlainObject(wire)) Object.values(wire).forEach((item) => this.addSecretsIn(item));
  }

  get size(): number {
    return this.secrets.size;
  }

  scrub(text: string): string {
    let result = text;
    // longest first, so a secret containing another is replaced whole
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (result.includes(secret)) result = result.split(secret).join(REDACTED_SECRET);
    }
    return result;
  }

  /** Scrubs every string (keys included) inside a plain value. */
  scrubDeep<T>(value: T): T {
    if (typeof value === "string") return this.scrub(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.scrubDeep(item)) as T;
    if (isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.scrub(k), this.scrubDeep(v)])) as T;
    }
    return value;
  }

  /** String leaves whose path in the secret object has a sensitive key (`keys.secondary` too). */
  private addSensitiveLeaves(value: unknown, sensitive: boolean): void {
    if (isSecretEnvelope(value)) this.addSecretsIn(value);
    else if (Array.isArray(value)) value.forEach((item) => this.addSensitiveLeaves(item, sensitive));
    else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) this.addSensitiveLeaves(item, sensitive || SENSITIVE_KEY.test(key));
    } else if (typeof value === "string" && sensitive) this.add(value);
  }

  private add(secret: string): void {
    if (secret.length >= MIN_SCRUBBED_LENGTH) this.secrets.add(secret);
  }
}
