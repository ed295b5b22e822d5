// Wire values a program can send, generated from a seed: awkward strings (lone surrogates, the unknown
// sentinel), numbers (-0, NaN, infinities), keys that sort in surprising orders, secrets and nesting.
import { SECRET_SIG, SIG_KEY, UNKNOWN, type WireValue } from "../../plan/wireValues";

/** Deterministic pseudo-random numbers (mulberry32), so a failure names a reproducible case. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AWKWARD_STRINGS = [
  "",
  "plain",
  "é€ü",
  "😀 pair",
  "\uD800",
  "lone high \uD800 then text",
  "lone low \uDC00",
  "ends high \uDBFF",
  "\uDC00\uD800",
  "replacement \uFFFD character",
  "x".repeat(200),
  "ü".repeat(70),
  UNKNOWN,
  "[parameters('authMode')]",
];
const AWKWARD_NUMBERS = [0, -0, 1, -1, 0.1, 1e308, -1e-308, 5e-324, Number.MAX_SAFE_INTEGER, Infinity, -Infinity, NaN];
const AWKWARD_KEYS = ["a", "B", "10", "2", "", "__proto", "é", "😀", "\uD800", "Z", "properties", "authMode"];

function wireValue(next: () => number, depth: number): WireValue {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const roll = next();
  if (depth > 3 || roll < 0.35) return pick<WireValue>([...AWKWARD_STRINGS, ...AWKWARD_NUMBERS, true, false, null]);
  if (roll < 0.55) return Array.from({ length: Math.floor(next() * 4) }, () => wireValue(next, depth + 1));
  if (roll < 0.65) return { [SIG_KEY]: SECRET_SIG, value: wireValue(next, depth + 1) };
  return wireObject(next, depth + 1);
}

export function wireObject(next: () => number, depth: number): Record<string, WireValue> {
  const object: Record<string, WireValue> = {};
  const size = Math.floor(next() * 6);
  for (let i = 0; i < size; i++) object[AWKWARD_KEYS[Math.floor(next() * AWKWARD_KEYS.length)]! + (next() < 0.3 ? String(i) : "")] = wireValue(next, depth);
  return object;
}

