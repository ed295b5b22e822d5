import { createHash } from "node:crypto";

/** The project's UUIDv5 namespace: a fixed value, so ids never change between runs. */
const NAMESPACE = "a7c1e0e2-5d4b-4f6e-9b8a-2f3c4d5e6f70";

/**
 * A name-based UUID (RFC 9562 version 5) of `parts`. Scope ids, role definition ids and role
 * assignment names must stay the same on every run, or Azure would replace them.
 */
export function stableUuid(...parts: readonly string[]): string {
  const namespace = Buffer.from(NAMESPACE.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(namespace).update(parts.join("/")).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
