// Entry point the Pulumi CLI runs: it only constructs the pack. Levels per environment come from
// `--policy-pack-config policies/config/<env>.json`.
import { AmlAuthGuard } from "./amlAuthGuard";
import { deserializeEachStructOnce } from "./lib/deserializeOnce";
import { writeNotApplicableEntriesDirectly } from "./lib/responseEncoding";
import { decodeStructsOnDemand } from "./lib/structDecoding";

// before the pack's server registers its methods
decodeStructsOnDemand();
deserializeEachStructOnce();
writeNotApplicableEntriesDirectly();
new AmlAuthGuard();
