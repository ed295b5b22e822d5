// The pack writes the not-applicable entries of its Analyze responses itself
// (policies/lib/responseEncoding.ts): the bytes must be google-protobuf's, whatever the entries say.
import { describe, expect, it } from "vitest";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import { AnalyzerService } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { writeNotApplicableEntriesDirectly } from "../../policies/lib/responseEncoding";
import { random } from "../harness/wireValueGenerator";

const TEXTS = ["", "ml-endpoint-auth-required", "applies only to azure-native:machinelearningservices:OnlineEndpoint", "é€ über", "😀", "a\uD800b", "\uDC00", "x".repeat(300)];

function response(next: () => number): analyzerPb.AnalyzeResponse {
  const pick = (): string => TEXTS[Math.floor(next() * TEXTS.length)]!;
  const message = new analyzerPb.AnalyzeResponse();
  const diagnostics = Array.from({ length: Math.floor(next() * 3) }, () => {
    const diagnostic = new analyzerPb.AnalyzeDiagnostic();
    diagnostic.setPolicyname(pick());
    diagnostic.setPolicypackname("aml-auth-guard");
    diagnostic.setMessage(pick());
    diagnostic.setEnforcementlevel(analyzerPb.EnforcementLevel.MANDATORY);
    return diagnostic;
  });
  message.setDiagnosticsList(diagnostics);
  const notApplicable = Array.from({ length: Math.floor(next() * 12) }, () => {
    const entry = new analyzerPb.PolicyNotApplicable();
    entry.setPolicyName(pick());
    // the server sets no reason when a policy gives none
    if (next() < 0.8) entry.setReason(pick());
    return entry;
  });
  if (notApplicable.length > 0) message.setNotApplicableList(notApplicable);
  return message;
}

describe("Analyze responses", () => {
  it("are written byte for byte as google-protobuf writes them", () => {
    const methods = [AnalyzerService.analyze, AnalyzerService.analyzeStack];
    const originals = methods.map((method) => method.responseSerialize);
    // installed for this test only: the other files of this worker write with google-protobuf
    try {
      writeNotApplicableEntriesDirectly();
      const installed = methods.map((method) => method.responseSerialize);
      writeNotApplicableEntriesDirectly(); // installing twice wraps once
      methods.forEach((method, i) => expect(method.responseSerialize).not.toBe(originals[i]));
      methods.forEach((method, i) => expect(method.responseSerialize).toBe(installed[i]));

      const next = random(99);
      for (let i = 0; i < 1500; i++) {
        const message = response(next);
        for (const [m, method] of methods.entries()) {
          const written = method.responseSerialize(message);
          const expected = originals[m]!(message);
          if (!written.equals(expected)) expect({ case: i, written: written.toString("hex") }).toEqual({ case: i, written: expected.toString("hex") });
        }
      }
      expect(() => AnalyzerService.analyze.responseSerialize(new analyzerPb.AnalyzeRequest() as never)).toThrow("Expected argument of type pulumirpc.AnalyzeResponse");
    } finally {
      methods.forEach((method, i) => (method.responseSerialize = originals[i]!));
    }
  });
});
