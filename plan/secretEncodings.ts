/**
 * The forms a secret takes when a program or a policy prints it: as it is, JSON-escaped (once,
 * twice, with `\/` or `\uXXXX`), URL-encoded (`encodeURIComponent` and form encoding, either hex
 * case), and base64 (standard and url-safe, alone or at any byte alignment inside a larger blob, of
 * the secret and of its JSON-escaped form). Line breaks are not part of any form: the scrubber
 * compares texts with line breaks and blanks removed, so wrapped and indented forms match too.
 */

/**
 * Shorter plaintexts are not scrubbed from free text: replacing every "on" or "1" in a report
 * would make it unreadable while protecting nothing. Such secrets still never appear where they
 * are values (inputs are redacted by `wireValues.redact`).
 */
export const MIN_SCRUBBED_LENGTH = 4;

/**
 * A base64 run shorter than this (36 bits) is not scrubbed when it is only a piece of a larger
 * blob: shorter runs occur by chance in ordinary words and ids. The whole base64 of a secret is
 * scrubbed from `MIN_SCRUBBED_LENGTH` on, as the secret itself is.
 */
export const MIN_BASE64_FRAGMENT = 6;

/**
 * Each line of a multi-line secret (a PEM key, a kubeconfig) at least this long is a secret of its
 * own, so a key shown line by line, or a single line of it, is scrubbed too. Shorter lines are
 * structure more often than key material (`kind: Config`, `clusters:`), and scrubbing them
 * everywhere would blank ordinary words.
 */
export const MIN_LINE_FRAGMENT = 16;

/**
 * What the scrubber ignores when it compares texts: blanks, line breaks, and their escapes (`\n`,
 * `\\r\\n`, `\t`) even when a wrap falls inside one.
 */
export const IGNORED_IN_COMPARISON = /[ \t\r\n]+|\\(?:[ \t\r\n]*\\)*[ \t\r\n]*[nrt]/g;

/** The text with what `IGNORED_IN_COMPARISON` matches removed. */
export function compact(text: string): string {
  return text.replace(IGNORED_IN_COMPARISON, "");
}

/** PEM armor (`-----BEGIN PRIVATE KEY-----`) is the same in every key and tells nothing. */
const PEM_ARMOR = /^-----(?:BEGIN|END) [A-Z0-9 ]+-----$/;

/** Every compacted form of a secret worth scrubbing; empty when the secret is too short. */
export function secretForms(secret: string): string[] {
  if (secret.length < MIN_SCRUBBED_LENGTH) return [];
  const forms = new Set<string>();
  const add = (form: string, minimum = MIN_SCRUBBED_LENGTH): void => {
    const compacted = compact(form);
    if (compacted.length >= minimum) forms.add(compacted);
  };
  const textual = textualForms(secret);
  textual.forEach((form) => add(form));
  for (const form of [secret, jsonEscaped(secret)]) {
    for (const encoded of base64Forms(Buffer.from(form, "utf8"))) {
      for (const variant of [encoded.text, ...urlEscapedVariants(encoded.text), encoded.text.replace(/\//g, "\\/")]) {
        add(variant, encoded.whole ? MIN_SCRUBBED_LENGTH : MIN_BASE64_FRAGMENT);
      }
    }
  }
  if (/\r?\n/.test(secret.trim())) {
    for (const line of secret.split(/\r?\n/).map((l) => l.trim())) {
      if (PEM_ARMOR.test(line)) continue;
      textualForms(line).forEach((form) => add(form, MIN_LINE_FRAGMENT));
    }
  }
  return [...forms];
}

/** The secret as written in text: raw, JSON-escaped in the usual ways, URL-encoded. */
function textualForms(secret: string): string[] {
  const json = jsonEscaped(secret);
  return [
    secret,
    json,
    jsonEscaped(json),
    json.replace(/\//g, "\\/"),
    json.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
    ...urlEscapedVariants(secret),
  ];
}

function jsonEscaped(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** `encodeURIComponent` and `application/x-www-form-urlencoded` (spaces as `+`), hex in both cases. */
function urlEscapedVariants(text: string): string[] {
  // a lone surrogate cannot be URL-encoded (URIError); no encoder will have produced such a form
  if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)) return [];
  const component = encodeURIComponent(text);
  const form = new URLSearchParams({ v: text }).toString().slice("v=".length);
  const lowerHex = (encoded: string): string => encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
  return [component, lowerHex(component), form, lowerHex(form)];
}

interface Base64Form {
  text: string;
  /** the base64 of the bytes alone (not a piece of a larger blob) */
  whole: boolean;
}

/**
 * The base64 of the bytes alone (padded standard, unpadded url-safe), and for each of the three
 * byte alignments the characters that depend only on these bytes: what any blob containing them
 * contains, whatever precedes and follows them.
 */
function base64Forms(bytes: Buffer): Base64Form[] {
  const forms: Base64Form[] = [
    { text: bytes.toString("base64"), whole: true },
    { text: bytes.toString("base64url"), whole: true },
  ];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    // character i carries bits [6i, 6i + 6) of the blob; the secret holds bits [8 * offset, 8 * (offset + length))
    const piece = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
    forms.push({ text: piece, whole: false }, { text: toBase64Url(piece), whole: false });
  }
  return forms;
}

function toBase64Url(base64: string): string {
  return base64.replace(/\+/g, "-").replace(/\//g, "_");
}
