/** A type's fields without `readonly`: for building a component's parts before they are frozen into it. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
