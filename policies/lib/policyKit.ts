// Building blocks every resource policy uses: scoping to kinds (with notApplicable for the rest) and
// the shape of a one-resource hygiene rule.
import type { ReportViolation, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { type ResourceKind, describeKinds, isKind } from "./resourceKinds";
import { type Props, requireKnown } from "./values";
import { type WebService, WEB_SERVICE_TYPES, classifyWebService } from "./webServices";

/** A policy's metadata, all of it required here so no policy ships without it. */
export type PolicyMetadata = Required<
  Pick<ResourceValidationPolicy, "name" | "description" | "enforcementLevel" | "severity" | "remediationSteps" | "url" | "tags">
>;

/** Runs `validate` on resources of the given kinds and marks the policy not applicable on the rest. */
export function validateKinds(
  kinds: readonly ResourceKind[],
  validate: (props: Props, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
  return (args, reportViolation) => {
    if (!isKind(args.type, ...kinds)) return args.notApplicable(`applies only to ${describeKinds(kinds)}`);
    validate(args.props, args, reportViolation);
  };
}

/** Runs `validate` on v1 services and online endpoints and marks the policy not applicable on the rest. */
export function validateWebServices(
  policyName: string,
  validate: (service: WebService, props: Props, args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidation {
  return (args, reportViolation) => {
    const why = "computeType of this v1 service is computed from another resource's output";
    const service = requireKnown(classifyWebService(args.type, args.props), why, policyName);
    if (!service) return args.notApplicable(`applies only to ${WEB_SERVICE_TYPES}`);
    validate(service, args.props, args, reportViolation);
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
    validateResource: validateKinds([kind], (props, _args, reportViolation) => {
      const message = findViolation(props, metadata.name);
      if (message !== undefined) reportViolation(message);
    }),
  };
}
