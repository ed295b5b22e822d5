import { editDistance } from "./editDistance";

/**
 * Azure regions by their programmatic name, with the short code used in resource names.
 * Names must be short because storage accounts and key vaults allow 24 characters.
 */
export const AZURE_REGIONS = {
  australiacentral: "auc",
  australiacentral2: "auc2",
  australiaeast: "aue",
  australiasoutheast: "ause",
  austriaeast: "ate",
  belgiumcentral: "bec",
  brazilsouth: "brs",
  brazilsoutheast: "brse",
  canadacentral: "cac",
  canadaeast: "cae",
  centralindia: "inc",
  centralus: "cus",
  chilecentral: "clc",
  eastasia: "ea",
  eastus: "eus",
  eastus2: "eus2",
  francecentral: "frc",
  francesouth: "frs",
  germanynorth: "gn",
  germanywestcentral: "gwc",
  indonesiacentral: "idc",
  israelcentral: "ilc",
  italynorth: "itn",
  japaneast: "jpe",
  japanwest: "jpw",
  koreacentral: "krc",
  koreasouth: "krs",
  malaysiawest: "myw",
  mexicocentral: "mxc",
  newzealandnorth: "nzn",
  northcentralus: "ncus",
  northeurope: "neu",
  norwayeast: "nwe",
  norwaywest: "nww",
  polandcentral: "plc",
  qatarcentral: "qac",
  southafricanorth: "san",
  southafricawest: "saw",
  southcentralus: "scus",
  southeastasia: "sea",
  southindia: "ins",
  spaincentral: "spc",
  swedencentral: "sdc",
  swedensouth: "sds",
  switzerlandnorth: "szn",
  switzerlandwest: "szw",
  uaecentral: "uaec",
  uaenorth: "uaen",
  uksouth: "uks",
  ukwest: "ukw",
  westcentralus: "wcus",
  westeurope: "weu",
  westindia: "inw",
  westus: "wus",
  westus2: "wus2",
  westus3: "wus3",
  usgovarizona: "ugaz",
  usgovtexas: "ugtx",
  usgovvirginia: "ugva",
  chinaeast2: "cne2",
  chinaeast3: "cne3",
  chinanorth2: "cnn2",
  chinanorth3: "cnn3",
} as const;

export type AzureRegion = keyof typeof AZURE_REGIONS;

export function isAzureRegion(name: string): name is AzureRegion {
  return Object.hasOwn(AZURE_REGIONS, name);
}

export function regionShortCode(region: AzureRegion): string {
  return AZURE_REGIONS[region];
}

/** "West Europe", "west-europe" and "WestEurope" all mean westeurope. */
export function normalizeRegion(name: string): string {
  return name.toLowerCase().replace(/[\s_-]/g, "");
}

/** The closest region names, for "did you mean" hints on typos. */
export function closestRegions(name: string, count = 2): AzureRegion[] {
  const normalized = normalizeRegion(name);
  return (Object.keys(AZURE_REGIONS) as AzureRegion[])
    .map((region) => ({ region, distance: editDistance(normalized, region) }))
    .filter(({ distance }) => distance <= Math.max(2, Math.floor(normalized.length / 4)))
    .sort((a, b) => a.distance - b.distance || a.region.localeCompare(b.region))
    .slice(0, count)
    .map(({ region }) => region);
}
