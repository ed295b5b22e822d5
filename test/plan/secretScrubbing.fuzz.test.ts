import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { recordedResource } from "./helpers";
import type { PolicyEvaluation } from "../../plan/policyEvaluation";
import { renderJson } from "../../plan/report/jsonReport";
import { renderMarkdown } from "../../plan/report/markdownReport";
import { buildPlanModel, type PlanModel } from "../../plan/report/planModel";
import { renderText } from "../../plan/report/textReport";
import { SecretScrubber } from "../../plan/secretScrubber";

/*
 * A secret, printed by a program, quoted by a policy and written into an input in one encoding,
 * must not survive in any encoding in any of the three reports. The encodings and the checks
 * below are built from Node's own encoders, independently of the scrubber.
 */

const STACK = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev";
const RESOURCE = "urn:pulumi:dev::proj::azure-native:resources:ResourceGroup::rg";

type Encoding = "raw" | "json" | "json-document" | "json-twice" | "base64" | "base64url" | "base64-json-document" | "uri-component" | "form";

interface Encoded {
  text: string;
  /** per character of `text`: whether it depends on the secret alone (false for the bytes around it in a blob) */
  fromSecret: boolean[];
}

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const SPECIALS = ["\n", "\r\n", '"', "\\", " ", "/", "+", "=", "&", "%", "é", "🔑", "<", ">", "|", "\t", "'", "#", "?"];

/** A high-entropy core of at least 10 alphanumerics with special characters inserted anywhere. */
const genericSecret = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...ALNUM), minLength: 10, maxLength: 40 }),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom(...SPECIALS)), { maxLength: 10 }),
  )
  .map(([core, inserts]) => {
    const characters = [...core];
    for (const [position, special] of inserts) characters.splice(position % (characters.length + 1), 0, special);
    return characters.join("");
  });

const pemSecret = fc
  .uint8Array({ minLength: 48, maxLength: 400 })
  .map((bytes) => ["-----BEGIN PRIVATE KEY-----", ...wrap(Buffer.from(bytes).toString("base64"), 64), "-----END PRIVATE KEY-----", ""].join("\n"));

const ENCODINGS: Encoding[] = ["raw", "json", "json-document", "json-twice", "base64", "base64url", "base64-json-document", "uri-component", "form"];

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (let at = 0; at < text.length; at += width) lines.push(text.slice(at, at + width));
  return lines;
}

const allFromSecret = (text: string): Encoded => ({ text, fromSecret: [...text].map(() => true) });

/**
 * Base64 of `before + bytes + after`; a character depends on `bytes` alone when it stays the same
 * with every bit around them flipped.
 */
function base64Blob(bytes: Buffer, before: Buffer, after: Buffer, encoding: "base64" | "base64url"): Encoded {
  const flipped = (around: Buffer) => Buffer.from(around.map((byte) => byte ^ 0xff));
  const text = Buffer.concat([before, bytes, after]).toString(encoding);
  const other = Buffer.concat([flipped(before), bytes, flipped(after)]).toString(encoding);
  return { text, fromSecret: [...text].map((c, i) => c === other[i] && c !== "=") };
}

function encode(secret: string, encoding: Encoding, before: number, after: number): Encoded {
  const json = JSON.stringify(secret).slice(1, -1);
  switch (encoding) {
    case "raw":
      return allFromSecret(secret);
    case "json":
      return allFromSecret(json);
    case "json-document": {
      const text = JSON.stringify({ user: "svc", key: secret });
      const start = text.indexOf('"key":"') + '"key":"'.length;
      return { text, fromSecret: [...text].map((_, i) => i >= start && i < start + json.length) };
    }
    case "json-twice":
      return allFromSecret(JSON.stringify(JSON.stringify(secret)).slice(1, -1));
    case "base64":
    case "base64url":
      return base64Blob(Buffer.from(secret, "utf8"), Buffer.alloc(before, 0x5a), Buffer.alloc(after, 0x33), encoding);
    case "base64-json-document":
      // a JSON document holding the secret, as a Kubernetes secret or a config blob carries it
      return base64Blob(Buffer.from(json, "utf8"), Buffer.from('{"key":"'.slice(0, 8 - before)), Buffer.from('"}'.padEnd(2 + after, " ")), "base64");
    case "uri-component":
      return allFromSecret(encodeURIComponent(secret));
    case "form":
      return allFromSecret(new URLSearchParams({ v: secret }).toString().slice(2));
  }
}

/** Blanks, line breaks and their JSON escapes removed: a wrapped or indented secret is still found. */
const compact = (text: string): string => text.replace(/\s+/g, "").replace(/\\+[nrt]/g, "");

/** What a reader of each format sees, as plain text. */
function visibleText(format: "text" | "markdown" | "json", report: string): string {
  if (format === "text") return report;
  if (format === "markdown") {
    return report.replace(/<br>/g, "\n").replace(/\\\|/g, "|").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }
  const strings: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === "string") strings.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        strings.push(key);
        collect(item);
      }
    }
  };
  collect(JSON.parse(report));
  return strings.join("\n");
}

/** Runs of characters that come from the secret, at least `minimum` long once compacted. */
function secretRuns(encoded: Encoded, from: number, to: number, minimum: number): string[] {
  const runs: string[] = [];
  let run = "";
  for (let i = from; i <= to; i++) {
    if (i < to && encoded.fromSecret[i]) run += encoded.text[i];
    else {
      if (compact(run).length >= minimum) runs.push(compact(run));
      run = "";
    }
  }
  return runs;
}

/**
 * Everything that must not be visible: every encoding of the whole secret, what the program
 * showed of it in each line (8 characters and more), and each line of a multi-line secret.
 */
function forbidden(secret: string, encoded: Encoded, printedLines: Array<[from: number, to: number]>): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const json = JSON.stringify(secret).slice(1, -1);
  const whole = [
    secret,
    json,
    JSON.stringify(json).slice(1, -1),
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    new URLSearchParams({ v: secret }).toString().slice(2),
    bytes.toString("base64"),
    bytes.toString("base64url"),
    ...secretRuns(encoded, 0, encoded.text.length, 1),
  ].map(compact);
  const perLine = printedLines.flatMap(([from, to]) => secretRuns(encoded, from, to, 8));
  const secretLines = secret.includes("\n")
    ? secret
        .split(/\r?\n/)
        .map(compact)
        // lines of 16 characters and more; PEM armor is the same in every key
        .filter((line) => line.length >= 16 && !/^-----(BEGIN|END) /.test(line))
    : [];
  return [...new Set([...whole, ...perLine, ...secretLines])].filter((needle) => needle.length > 0);
}

function leaksIn(visible: string, needles: string[]): string[] {
  const haystack = compact(visible);
  return needles.filter((needle) => haystack.includes(needle));
}

interface Case {
  secret: string;
  encoding: Encoding;
  before: number;
  after: number;
  width: number;
  lineBreak: "\n" | "\r\n" | "\n    ";
  lineByLine: boolean;
}

const cases = fc.record({
  secret: fc.oneof(genericSecret, pemSecret),
  encoding: fc.constantFrom(...ENCODINGS),
  before: fc.integer({ min: 0, max: 5 }),
  after: fc.integer({ min: 0, max: 5 }),
  width: fc.oneof(fc.constantFrom(64, 76), fc.integer({ min: 16, max: 100 }), fc.constant(Number.MAX_SAFE_INTEGER)),
  lineBreak: fc.constantFrom<Case["lineBreak"]>("\n", "\r\n", "\n    "),
  lineByLine: fc.boolean(),
});

function planWith(testCase: Case, encoded: Encoded, scrubber: SecretScrubber): { model: PlanModel; printedLines: Array<[number, number]> } {
  const printedLines: Array<[number, number]> = [];
  for (let at = 0; at < encoded.text.length; at += testCase.width) printedLines.push([at, Math.min(at + testCase.width, encoded.text.length)]);
  const lines = printedLines.map(([from, to]) => encoded.text.slice(from, to));
  const wrapped = lines.join(testCase.lineBreak);
  const evaluation: PolicyEvaluation = {
    pack: { name: "pack", version: "1.0.0", displayName: "" },
    policies: [],
    config: {},
    remediatedInputs: {},
    results: [
      {
        policy: "quoting",
        policyPack: "pack",
        policyPackVersion: "1.0.0",
        enforcementLevel: "mandatory",
        message: `the tag note is ${wrapped} and must not be`,
        description: "",
        urn: RESOURCE,
        stage: "analyze",
        phase: "preview",
      },
    ],
  };
  const model = buildPlanModel({
    stack: "dev",
    project: "proj",
    projectDir: "/work/proj",
    packDir: "/work/proj/policies",
    resources: [
      recordedResource({ urn: STACK, type: "pulumi:pulumi:Stack", name: "proj-dev", custom: false }),
      recordedResource({
        urn: RESOURCE,
        type: "azure-native:resources:ResourceGroup",
        name: "rg",
        parent: STACK,
        inputs: { resourceGroupName: "rg", tags: { note: wrapped }, ...(testCase.lineByLine ? { noteLines: lines } : {}) },
      }),
    ],
    evaluation,
    programMessages: testCase.lineByLine
      ? [{ severity: "info", message: "the key follows" }, ...lines.map((message) => ({ severity: "info" as const, message }))]
      : [{ severity: "info", message: `key: ${wrapped}` }],
    warnings: [],
    scrubber,
  });
  return { model, printedLines };
}

const RENDERERS = { text: renderText, markdown: renderMarkdown, json: renderJson } as const;

describe("secrets in reports, whatever their encoding", () => {
  for (const [format, render] of Object.entries(RENDERERS) as Array<[keyof typeof RENDERERS, (model: PlanModel) => string]>) {
    it(`no encoding of a secret survives in the ${format} report`, () => {
      fc.assert(
        fc.property(cases, (testCase) => {
          const encoded = encode(testCase.secret, testCase.encoding, testCase.before, testCase.after);
          const scrubber = new SecretScrubber();
          scrubber.addPlaintext(testCase.secret);
          const { model, printedLines } = planWith(testCase, encoded, scrubber);
          const needles = forbidden(testCase.secret, encoded, printedLines);

          // the check sees the secret when nothing scrubs it
          const unscrubbed = planWith(testCase, encoded, new SecretScrubber()).model;
          expect(leaksIn(visibleText(format, render(unscrubbed)), needles)).not.toEqual([]);

          expect(leaksIn(visibleText(format, render(model)), needles)).toEqual([]);
        }),
        { numRuns: 300 },
      );
    });
  }
});
