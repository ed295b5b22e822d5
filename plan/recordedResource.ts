import type { WireValue } from "./wireValues";

/** One resource registration as the engine received it: what the offline plan and tests inspect. */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  /** false for component resources and the stack */
  custom: boolean;
  parent?: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  protect: boolean;
  /** provider reference `<provider urn>::<provider id>`, only for explicit providers */
  provider?: string;
  /** the resource whose deletion takes this one along (Pulumi's `deletedWith`) */
  deletedWith?: string;
  /** ARM id (or provider id); undefined while unknown during preview */
  id?: string;
  /** inputs in wire encoding: secrets stay enveloped, unknowns stay the unknown sentinel */
  inputs: Record<string, WireValue>;
  /** outputs in wire encoding, as the fakes returned them */
  outputs: Record<string, WireValue>;
  /** the program registered these outputs itself (components and the stack, `registerOutputs`) */
  outputsRegistered?: boolean;
  /** read with `Resource.get(...)`: Azure, not the program, knows its state */
  read?: boolean;
  /** for reads: the output properties the resource's SDK class declares */
  declaredOutputs?: string[];
}
