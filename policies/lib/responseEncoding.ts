// The server answers every Analyze with the policies that do not apply to the resource, each with its
// reason: in a pack of many policies, most of the response. google-protobuf writes a string one
// character at a time into an array of numbers, so those entries were most of the pack's garbage. Here
// they are written straight into a buffer, the same bytes google-protobuf writes; the diagnostics, and
// any response with a string google-protobuf writes its own way, are still written by google-protobuf.
import { requireAsServerProtos } from "./serverModules";

interface NotApplicableMessage {
  getPolicyName(): string;
  getReason(): string;
}

interface AnalyzeResponseMessage {
  getDiagnosticsList(): unknown[];
  setDiagnosticsList(diagnostics: unknown[]): void;
  getNotApplicableList(): NotApplicableMessage[];
  serializeBinary(): Uint8Array;
}

type Serialize = (response: unknown) => Buffer;

interface ResponseMethod {
  responseSerialize: Serialize;
}

/** google-protobuf writes strings with surrogates its own way (see the plan's analyzerWire.ts). */
const SURROGATE = /[\uD800-\uDFFF]/;
/** Tags of the length-delimited fields written here: PolicyNotApplicable's policy_name (1) and reason (2), and AnalyzeResponse's not_applicable (3). */
const POLICY_NAME_TAG = (1 << 3) | 2;
const REASON_TAG = (2 << 3) | 2;
const NOT_APPLICABLE_TAG = (3 << 3) | 2;

function varintSize(value: number): number {
  let size = 1;
  for (; value > 0x7f; value = Math.floor(value / 128)) size++;
  return size;
}

/** A string field's size, or 0 for an empty string, which google-protobuf does not write. */
function stringFieldSize(byteLength: number): number {
  return byteLength === 0 ? 0 : 1 + varintSize(byteLength) + byteLength;
}

/** `PolicyNotApplicable` entries as google-protobuf writes them, or undefined when it writes a string its own way. */
function notApplicableEntries(entries: readonly NotApplicableMessage[]): Buffer | undefined {
  const fields = entries.map((entry) => ({ name: entry.getPolicyName(), reason: entry.getReason() }));
  if (fields.some(({ name, reason }) => SURROGATE.test(name) || SURROGATE.test(reason))) return undefined;
  const sized = fields.map(({ name, reason }) => {
    const nameBytes = Buffer.byteLength(name, "utf8");
    const reasonBytes = Buffer.byteLength(reason, "utf8");
    return { name, reason, nameBytes, reasonBytes, body: stringFieldSize(nameBytes) + stringFieldSize(reasonBytes) };
  });
  const out = Buffer.allocUnsafe(sized.reduce((total, entry) => total + 1 + varintSize(entry.body) + entry.body, 0));
  let at = 0;
  const varint = (value: number): void => {
    for (; value > 0x7f; value = Math.floor(value / 128)) out[at++] = (value & 0x7f) | 0x80;
    out[at++] = value;
  };
  const string = (tag: number, text: string, byteLength: number): void => {
    if (byteLength === 0) return;
    out[at++] = tag;
    varint(byteLength);
    at += out.write(text, at, byteLength, "utf8");
  };
  for (const entry of sized) {
    out[at++] = NOT_APPLICABLE_TAG;
    varint(entry.body);
    string(POLICY_NAME_TAG, entry.name, entry.nameBytes);
    string(REASON_TAG, entry.reason, entry.reasonBytes);
  }
  return out;
}

/** Marks the serializer installed, so that installing twice wraps it once. */
const INSTALLED = Symbol.for("aml-auth-guard.responseEncoding");

/**
 * Makes the server write the not-applicable entries of its Analyze and AnalyzeStack responses itself.
 * google-protobuf writes a message's fields in field order, diagnostics (2) before not-applicable
 * entries (3), so the diagnostics written by google-protobuf followed by these entries are its bytes.
 */
export function writeNotApplicableEntriesDirectly(): void {
  const grpc = requireAsServerProtos("@pulumi/pulumi/proto/analyzer_grpc_pb") as { AnalyzerService: Record<string, ResponseMethod> };
  const { AnalyzeResponse } = requireAsServerProtos("@pulumi/pulumi/proto/analyzer_pb") as {
    AnalyzeResponse: new () => AnalyzeResponseMessage;
  };
  for (const method of ["analyze", "analyzeStack"]) {
    const definition = grpc.AnalyzerService[method]!;
    const original = definition.responseSerialize;
    if (INSTALLED in original) continue;
    const serialize: Serialize = (response) => {
      if (!(response instanceof AnalyzeResponse)) return original(response);
      const notApplicable = response.getNotApplicableList();
      const entries = notApplicable.length > 0 ? notApplicableEntries(notApplicable) : undefined;
      if (entries === undefined) return original(response);
      const diagnostics = new AnalyzeResponse();
      diagnostics.setDiagnosticsList(response.getDiagnosticsList());
      return Buffer.concat([diagnostics.serializeBinary(), entries]);
    };
    definition.responseSerialize = Object.assign(serialize, { [INSTALLED]: true });
  }
}
