import { closestRegions, isAzureRegion, type AzureRegion } from "../components/azureRegions";
import { enumValues, isEnumValue } from "./enums";

/**
 * Problems of plain-data arguments, collected so that every one is reported at once, each naming
 * its field and the fix. Other languages send strings where TypeScript had literal types.
 */
export class Problems {
  readonly list: string[] = [];

  add(problem: string): void {
    this.list.push(problem);
  }

  /** An Azure region name such as "westeurope", or undefined (and a problem) when it is not one. */
  region(field: string, value: unknown): AzureRegion | undefined {
    if (typeof value === "string" && isAzureRegion(value)) return value;
    const hint = typeof value === "string" ? closestRegions(value) : [];
    this.add(`${field} ${JSON.stringify(value)} is not an Azure region name such as "westeurope"${hint.length > 0 ? ` (did you mean ${hint.map((r) => `"${r}"`).join(" or ")}?)` : ""}`);
    return undefined;
  }

  /** A value of a closed set, or undefined (and a problem). */
  oneOf<T extends string>(field: string, values: Readonly<Record<string, T>>, value: unknown): T | undefined {
    if (isEnumValue(values, value)) return value;
    this.add(`${field} ${JSON.stringify(value)} is not one of ${enumValues(values)}`);
    return undefined;
  }

  /** A string known when the component is constructed (not the output of another resource). */
  knownString(field: string, value: unknown, fix: string): string | undefined {
    if (typeof value === "string") return value;
    this.add(`${field} must be a plain string known before anything is created, not the output of a resource (${fix})`);
    return undefined;
  }
}
