import { describe, expect, it } from "vitest";
import { SecretScrubber } from "../../plan/secretScrubber";
import { SECRET_SIG, SIG_KEY } from "../../plan/wireValues";

const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });

describe("SecretScrubber", () => {
  it("scrubs scalar secrets and config plaintexts from any text, longest first", () => {
    const scrubber = new SecretScrubber();
    scrubber.addPlaintext("abcd", "abcdef-long");
    scrubber.addSecretsIn({ nested: [{ password: secret("p4ssw0rd!") }], port: secret(443123) });
    expect(scrubber.scrub("abcdef-long abcd p4ssw0rd! 443123")).toBe("[secret] [secret] [secret] [secret]");
  });

  it("does not scrub plaintexts shorter than 4 characters from free text", () => {
    const scrubber = new SecretScrubber();
    scrubber.addPlaintext("ab");
    scrubber.addSecretsIn({ flag: secret(true), short: secret("xyz") });
    expect(scrubber.scrub("ab true xyz")).toBe("ab true xyz");
  });

  it("in a secret object, scrubs the leaves under sensitive keys and keeps the readable ones", () => {
    const scrubber = new SecretScrubber();
    scrubber.addSecretsIn(
      secret({ authMode: "AMLToken", region: "westeurope", keys: { primaryKey: "k1-secret-value", other: "k2-secret-value" }, clientSecret: "cs-value" }),
    );
    expect(scrubber.scrub("AMLToken westeurope k1-secret-value k2-secret-value cs-value")).toBe(
      "AMLToken westeurope [secret] [secret] [secret]",
    );
  });

  it("scrubs keys and values of nested plain objects", () => {
    const scrubber = new SecretScrubber();
    scrubber.addPlaintext("token-1234");
    expect(scrubber.scrubDeep({ "token-1234": ["a token-1234 b", 1, null] })).toEqual({ "[secret]": ["a [secret] b", 1, null] });
  });
});
