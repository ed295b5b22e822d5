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

  it("scrubs a PEM key passed through JSON.stringify, and each line of it shown alone", () => {
    const pem = ["-----BEGIN PRIVATE KEY-----", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", "BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj", "-----END PRIVATE KEY-----", ""].join("\n");
    const scrubber = new SecretScrubber();
    scrubber.addPlaintext(pem);
    // line breaks are not secret material: the key's final one stays, escaped
    expect(scrubber.scrub(`tls: ${JSON.stringify({ key: pem })}`)).toBe('tls: {"key":"[secret]\\n"}');
    expect(scrubber.scrub("line 2 is BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj.")).toBe("line 2 is [secret].");
    // the armor says nothing about the key
    expect(scrubber.scrub("-----END PRIVATE KEY-----")).toBe("-----END PRIVATE KEY-----");
  });

  it("scrubs a secret split over consecutive messages, from each of them", () => {
    const scrubber = new SecretScrubber();
    scrubber.addPlaintext("Zq8s-very-secret-primary-key");
    expect(scrubber.scrubSequence(["key follows", "Zq8s-very-sec", "ret-primary-key", "done"])).toEqual(["key follows", "[secret]", "[secret]", "done"]);
  });

  it("scrubs a secret split over the strings of a list inside a value", () => {
    const scrubber = new SecretScrubber();
    scrubber.addPlaintext("Zq8s-very-secret-primary-key");
    expect(scrubber.scrubDeep({ lines: ["key:", "Zq8s-very-", "secret-primary-key"], other: [1, "Zq8s-very-"] })).toEqual({
      lines: ["key:", "[secret]", "[secret]"],
      other: [1, "Zq8s-very-"],
    });
  });

  it("scrubs base64 of a secret inside a larger blob wrapped at 76 columns, and its URL encoding", () => {
    const secret = "p4ss/w0rd+with=specials";
    const scrubber = new SecretScrubber();
    scrubber.addPlaintext(secret);
    const blob = Buffer.from(`user: admin\npassword: ${secret}\n`).toString("base64");
    const wrapped = blob.replace(/.{76}/g, "$&\n");
    const scrubbed = scrubber.scrub(wrapped);
    expect(scrubbed).toContain("[secret]");
    expect(Buffer.from(scrubbed.replace(/\[secret\]|\n/g, ""), "base64").toString("latin1")).not.toContain("w0rd+with");
    expect(scrubber.scrub(`https://x.test/?p=${encodeURIComponent(secret)}&q=1`)).toBe("https://x.test/?p=[secret]&q=1");
    expect(scrubber.scrub(`p=${new URLSearchParams({ v: `${secret} more` }).toString().slice(2)}`)).toBe("p=[secret]+more");
  });

  it("keeps short secrets readable: their base64 is scrubbed whole, not as short pieces of other blobs", () => {
    const scrubber = new SecretScrubber();
    scrubber.addPlaintext("abcd");
    expect(scrubber.scrub("YWJjZA== and abcd")).toBe("[secret] and [secret]");
    // "YWJj" is also the base64 of "abc": a 4-character piece is not evidence of the secret
    expect(scrubber.scrub("YWJjZGVm")).toBe("YWJjZGVm");
  });

  it("does not fail on a secret with a lone surrogate", () => {
    const scrubber = new SecretScrubber();
    scrubber.addPlaintext("broken\ud83dsecret");
    expect(scrubber.scrub("x broken\ud83dsecret y")).toBe("x [secret] y");
  });
});
