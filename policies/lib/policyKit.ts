// Building blocks every resource policy uses: scoping to kinds (with notApplicable for the rest) and
// the shape of a one-resource hygiene rule.
import type { ReportViolation, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { isUnknownValueError, type UnknownValueErrorShape } from "./policyRuntime";
import { type ResourceKind, describeKinds } from "./resourceKinds";
import { type Props, requireKnown } from "./values";
import { CannotVerifyError, type Declaration, type Declarations, declarationsOf } from "./declarations";
import { type WebService, WEB_SERVICE_TYPES, classifyWebService } from "./webServices";

/** A policy's metadata, all of it required here so no policy ships without it. */
export type PolicyMetadata = Required<
  Pick<ResourceValidationPolicy, "name" | "description" | "enforcementLevel" | "severity" | "remediationSteps" | "url" | "tags">
>;

/** What a rule reports when a declared value cannot be computed, with the way to make it checkable. */
export function cannotVerifyMessage(error: CannotVerifyError): string {
  return (
    `${error.message}; the pack does not pass what it cannot check: write the value literally, or through ` +
    `parameters and variables whose values the program gives`
  );
}

/** Thrown by a declaration's `notApplicable`, so the next declaration of the same resource is still judged. */
class DeclarationNotApplicable extends Error {
  constructor(readonly reason: string | undefined) {
    super(reason ?? "not applicable");
  }
}

/**
 * Runs `judge` on every declaration of the resource that `select` accepts (the resource itself, or what an
 * ARM template deployment or a generic resource declares). Violations of declared resources name where
 * they are; a value the pack cannot compute is reported as a violation, never passed.
 */
function judgeDeclarations<T>(
  policyName: string,
  args: ResourceValidationArgs,
  reportViolation: ReportViolation,
  select: (declaration: Declaration) => T | undefined,
  judge: (selected: T, declaration: Declaration, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
  notCovered: string,
  /** Whether parts the pack cannot read keep the policy applicable (the rule reports them). */
  applicableWhenUnreadable = false,
): Declarations {
  const found = declarationsOf(args.type, args.props, policyName);
  let judged = 0;
  let lastReason: string | undefined;
  // A declaration whose check waits for update does not keep the others from being judged now.
  let waiting: UnknownValueErrorShape | undefined;
  for (const declaration of found.declarations) {
    const report: ReportViolation = (message, urn) => reportViolation(declaration.origin ? `${declaration.origin}: ${message}` : message, urn);
    let judgedThis = false;
    try {
      const selected = select(declaration);
      if (selected === undefined) continue;
      const declarationArgs: ResourceValidationArgs = {
        ...args,
        props: declaration.props,
        notApplicable: (reason?: string): never => {
          throw new DeclarationNotApplicable(reason);
        },
      };
      judged++;
      judgedThis = true;
      judge(selected, declaration, declarationArgs, report);
    } catch (error) {
      if (error instanceof CannotVerifyError) {
        // Counted whether it came from selecting (an unknowable computeType) or from judging.
        if (!judgedThis) judged++;
        report(cannotVerifyMessage(error));
      } else if (error instanceof DeclarationNotApplicable) {
        judged--;
        lastReason = error.reason ?? lastReason;
      } else if (isUnknownValueError(error)) {
        if (!judgedThis) judged++;
        waiting ??= error;
      } else throw error;
    }
  }
  if (waiting) throw waiting;
  if (judged === 0 && !(applicableWhenUnreadable && found.opaque.length > 0)) args.notApplicable(lastReason ?? notCovered);
  return found;
}

/** Runs `validate` on resources of the given kinds and marks the policy not applicable on the rest. */
export function validateKinds(
  policyName: string,
  kinds: readonly ResourceKind[],
  validate: (props: Props, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
  const notCovered = `applies only to ${describeKinds(kinds)}`;
  return (args, reportViolation) => {
    judgeDeclarations(
      policyName,
      args,
      reportViolation,
      (declaration) => (kinds.includes(declaration.kind) ? declaration : undefined),
      (_selected, declaration, declarationArgs, report) => validate(declaration.props, declarationArgs, report),
      notCovered,
    );
  };
}

export interface WebServiceValidationOptions {
  /** Report template parts the pack cannot read (linked templates) as violations: one rule does, so one finding. */
  readonly reportUnreadableTemplates?: boolean;
}

/** Runs `validate` on v1 services and online endpoints and marks the policy not applicable on the rest. */
export function validateWebServices(
  policyName: string,
  validate: (service: WebService, props: Props, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
  options: WebServiceValidationOptions = {},
): ResourceValidation {
  return (args, reportViolation) => {
    const why = "computeType of this v1 service is computed from another resource's output";
    const found = judgeDeclarations(
      policyName,
      args,
      reportViolation,
      (declaration) => requireKnown(classifyWebService(declaration.kind, declaration.props), why, policyName),
      (service, declaration, declarationArgs, report) => validate(service, declaration.props, declarationArgs, report),
      `applies only to ${WEB_SERVICE_TYPES}`,
      options.reportUnreadableTemplates,
    );
    if (!options.reportUnreadableTemplates) return;
    for (const part of found.opaque) {
      reportViolation(`cannot verify the web services this deployment declares: ${part}; the pack does not pass what it cannot check`);
    }
  };
}

/**
 * A hygiene rule on one resource kind: `findViolation` returns the message for a non-compliant resource
 * and undefined for a compliant one.
 */
export function settingRule(
  metadata: PolicyMetadata,
  kind: ResourceKind,
  findViolation: (props: Props, policyName: string) => string | undefined,
): ResourceValidationPolicy {
  return {
    ...metadata,
    validateResource: validateKinds(metadata.name, [kind], (props, _args, reportViolation) => {
      const message = findViolation(props, metadata.name);
      if (message !== undefined) reportViolation(message);
    }),
  };
}
