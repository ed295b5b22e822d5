/**
 * Errors a user can act on. Each message says what was refused or missing and what to do; the CLI
 * prints it as is, never with a stack trace.
 */
export type EndpointErrorKind =
  | "usage"
  | "auth-mode"
  | "forbidden"
  | "not-found"
  | "credential-refused"
  | "throttled"
  | "service";

export class EndpointClientError extends Error {
  constructor(
    message: string,
    readonly kind: EndpointErrorKind,
    /** The HTTP status that caused it, when one did. */
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = "EndpointClientError";
  }
}
