import { IGNORED_IN_COMPARISON, MIN_SCRUBBED_LENGTH, secretForms } from "./secretEncodings";
import { REDACTED_SECRET, isPlainObject, isSecretEnvelope } from "./wireValues";

/** Keys whose string values are secret material wherever they sit inside a secret object. */
export const SENSITIVE_KEY = /key|secret|password|passwd|token|credential|connectionstring|certificate|pem|sas|kubeconfig/i;

/**
 * Knows the plaintexts of every secret seen in a plan (secret config values, values inside secret
 * envelopes) and removes them, in every form `secretForms` lists, from any text about to be
 * printed, e.g. a policy message that quotes a property. Texts are compared with blanks and line
 * breaks ignored, so a secret wrapped, indented or shown line by line is found too.
 */
export class SecretScrubber {
  private readonly secrets = new Set<string>();
  private formsCache: string[] | undefined;

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
    return this.scrubSequence([text])[0] ?? text;
  }

  /**
   * Scrubs texts shown one after the other (the lines a program logged): a secret split over
   * consecutive texts is removed from each of them.
   */
  scrubSequence(texts: readonly string[]): string[] {
    const joined = texts.join("\n");
    const ranges = this.secretRanges(joined);
    if (ranges.length === 0) return [...texts];
    let start = 0;
    return texts.map((text) => {
      const end = start + text.length;
      const local = ranges
        .filter(([from, to]) => from < end && to > start)
        .map(([from, to]): [number, number] => [Math.max(from, start) - start, Math.min(to, end) - start]);
      start = end + 1;
      return redactRanges(text, local);
    });
  }

  /** Scrubs every string (keys included) inside a plain value; a list of strings as a sequence (a key as a list of lines). */
  scrubDeep<T>(value: T): T {
    if (typeof value === "string") return this.scrub(value) as T;
    if (Array.isArray(value)) {
      if (value.every((item) => typeof item === "string")) return this.scrubSequence(value as string[]) as T;
      return value.map((item) => this.scrubDeep(item)) as T;
    }
    if (isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.scrub(k), this.scrubDeep(v)])) as T;
    }
    return value;
  }

  /** Where forms of the secrets sit in `text`, as merged [start, end) ranges of the original text. */
  private secretRanges(text: string): Array<[number, number]> {
    const forms = this.forms();
    if (forms.length === 0) return [];
    const { view, origin } = comparableView(text);
    const ranges: Array<[number, number]> = [];
    for (const form of forms) {
      for (let at = view.indexOf(form); at >= 0; at = view.indexOf(form, at + 1)) {
        ranges.push([origin[at] as number, (origin[at + form.length - 1] as number) + 1]);
      }
    }
    return mergeRanges(ranges);
  }

  private forms(): string[] {
    this.formsCache ??= [...new Set([...this.secrets].flatMap(secretForms))];
    return this.formsCache;
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
    if (secret.length >= MIN_SCRUBBED_LENGTH && !this.secrets.has(secret)) {
      this.secrets.add(secret);
      this.formsCache = undefined;
    }
  }
}

/** The text without what the comparison ignores, and for each kept character its index in the text. */
function comparableView(text: string): { view: string; origin: number[] } {
  const kept: string[] = [];
  const origin: number[] = [];
  let next = 0;
  const keep = (until: number): void => {
    for (; next < until; next++) {
      kept.push(text[next] as string);
      origin.push(next);
    }
  };
  for (const ignored of text.matchAll(IGNORED_IN_COMPARISON)) {
    keep(ignored.index);
    next = ignored.index + ignored[0].length;
  }
  keep(text.length);
  return { view: kept.join(""), origin };
}

function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const merged: Array<[number, number]> = [];
  for (const [from, to] of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

function redactRanges(text: string, ranges: Array<[number, number]>): string {
  let result = "";
  let next = 0;
  for (const [from, to] of ranges) {
    result += `${text.slice(next, from)}${REDACTED_SECRET}`;
    next = to;
  }
  return result + text.slice(next);
}
