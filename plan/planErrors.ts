/**
 * Errors that stop a plan with exit code 2. Each carries a message meant for the user as is:
 * the CLI prints `error: <message>` and never a stack trace.
 */
export class PlanError extends Error {
  constructor(
    message: string,
    readonly kind: "config" | "program" | "policy-pack" | "usage",
  ) {
    super(message);
    this.name = "PlanError";
  }
}

/** A missing or unreadable Pulumi.yaml, stack file or policy pack config; an invalid pack config. */
export class PlanConfigError extends PlanError {
  constructor(message: string) {
    super(message, "config");
    this.name = "PlanConfigError";
  }
}

/** The program threw, a registration failed, or the program logged an error. */
export class ProgramError extends PlanError {
  constructor(message: string) {
    super(message, "program");
    this.name = "ProgramError";
  }
}

/** The policy pack failed to load, crashed, timed out, or failed while validating. */
export class PolicyPackError extends PlanError {
  constructor(message: string) {
    super(message, "policy-pack");
    this.name = "PolicyPackError";
  }
}

/** Bad command-line arguments. */
export class UsageError extends PlanError {
  constructor(message: string) {
    super(message, "usage");
    this.name = "UsageError";
  }
}

/** Indents every line of `text` by two spaces, to nest a quoted error under its cause. */
export function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

/** Drops stack frames (`    at ...` lines) from a message that may embed one, e.g. a gRPC error from the pack. */
export function withoutStackFrames(message: string): string {
  return message
    .split("\n")
    .filter((line) => !/^\s+at\s/.test(line))
    .join("\n")
    .trim();
}
