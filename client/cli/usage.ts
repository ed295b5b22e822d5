export const ENDPOINT_COMMANDS = ["keys", "rotate", "token", "aad-token", "invoke"] as const;
export type EndpointCommandName = (typeof ENDPOINT_COMMANDS)[number];

export const ENDPOINT_USAGE = `Usage: aml-webservices endpoint <command> [options]

Keys, key rotation, tokens and scoring calls for one online endpoint of a stack.

Commands:
  keys        print the endpoint's two keys (masked unless --show-secrets)       [Key]
  rotate      regenerate one key, --slot primary|secondary, and wait for Azure   [Key]
              (the new value is the stack's configured key for that slot when the
              outputs carry it, otherwise Azure picks one)
  token       fetch an AML token with its expiry and refresh-after times         [AMLToken]
  aad-token   sign in to Entra ID like Machine Learning Server's client (device code
              with the stack's clientContext) and print a bearer token: for the web
              app's resource, or https://ml.azure.com with --endpoint              [AADToken]
  invoke      POST --data <file> to the scoring URI with the header the endpoint's
              auth mode takes; retries 429 and 503 with backoff

Where the endpoint is:
  --outputs <file>          stack outputs: pulumi stack output --json --show-secrets > outputs.json
  --endpoint <name>         the endpoint (optional when the outputs hold only one)
  --workspace <name>        workspace      (default: from the outputs)
  --resource-group <name>   resource group (default: from the outputs)
  --subscription <id>       subscription   (default: from the outputs, else AZURE_SUBSCRIPTION_ID)
  --auth-mode <Key|AMLToken|AADToken>, --scoring-uri <url>
                            skip reading them from the endpoint in Azure

How to sign in:
  --credential <default|device-code>
                            default: DefaultAzureCredential (environment, workload or managed
                            identity, Azure CLI, ...); device-code: sign in on another device.
                            aad-token uses device-code unless told otherwise
  --authority <url>, --tenant <id>, --client-id <id>
                            the device-code context (default: the outputs' clientContext)
  --resource <audience>     aad-token: the token's audience (default: see aad-token)
  --disable-instance-discovery
                            private clouds and Azure Stack only: trust the authority as given
  --arm-endpoint <url>      Resource Manager of another cloud (default https://management.azure.com)

Command options:
  --slot <primary|secondary>  rotate: the key to regenerate (rotate secondary first, move
                              clients, then primary)
  --data <file>               invoke: the request body
  --content-type <type>       invoke: default application/json
  --deployment <name>         invoke: call this deployment, whatever the traffic
  --max-retries <n>           invoke: retries after 429/503 (default 3)
  --max-retry-delay <s>       invoke: the longest wait before a retry (default 30)
  --format <text|json>        output format (default text)
  --show-secrets              keys: print the keys in full
  -h, --help                  show this help

Exit codes: 0 done, 1 refused or failed by Azure or the endpoint, 2 bad usage.
`;
