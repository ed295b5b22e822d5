/** How `invoke` retries a scoring call that answered 429 or 503. Every retry loop is bounded by it. */
export interface RetryPolicy {
  /** Retries after the first attempt. Default 3. */
  readonly maxRetries: number;
  /** First backoff when the service sends no Retry-After; doubles on each retry. Default 500 ms. */
  readonly baseDelayMs: number;
  /** The longest wait: a Retry-After beyond it ends the call instead of waiting. Default 30 s. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 30_000 };

export const RETRIABLE_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** Milliseconds a Retry-After header asks for (delay-seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait before retry number `retry` (0-based): Retry-After when given, else exponential backoff. */
export function backoffMs(policy: RetryPolicy, retry: number, retryAfter: number | undefined): number {
  if (retryAfter !== undefined) return retryAfter;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
}
