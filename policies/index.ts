// Entry point the Pulumi CLI runs: it only constructs the pack. Levels per environment come from
// `--policy-pack-config policies/config/<env>.json`.
import { AmlAuthGuard } from "./amlAuthGuard";
import { deserializeEachStructOnce } from "./lib/deserializeOnce";
import { decodeStructsOnDemand } from "./lib/structDecoding";

decodeStructsOnDemand();
deserializeEachStructOnce();
new AmlAuthGuard();
