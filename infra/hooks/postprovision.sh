#!/bin/sh
# azd postprovision hook (Linux, macOS): writes functions/Pipeline.Functions/local.settings.json
# for hybrid local runs (`func start` on this machine against the provisioned Event Hubs,
# Storage and Event Grid) from `azd env get-values`. Nothing secret is written: every
# connection is identity-based and, locally, uses your own Entra sign-in (az login or
# azd auth login) through DefaultAzureCredential. The deployed app's identity settings
# (__credential, __clientId, AZURE_CLIENT_ID) are deliberately left out.
# Set PIPELINE_LOCAL_SETTINGS to write somewhere else.
set -eu

script_dir=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
root=$(CDPATH='' cd -- "$script_dir/../.." && pwd)
target=${PIPELINE_LOCAL_SETTINGS:-"$root/functions/Pipeline.Functions/local.settings.json"}

# Outputs of infra/main.bicep copied under the same name (keep in step with postprovision.ps1).
keys="AzureWebJobsStorage__accountName EventHubConnection__fullyQualifiedNamespace EventHubName Pipeline__Environment Pipeline__State__Kind Pipeline__State__TableServiceUri Pipeline__DeadLetters__Kind Pipeline__DeadLetters__TableServiceUri Pipeline__Alerts__Kind Pipeline__Alerts__TopicEndpoint Pipeline__Rules__Kind Pipeline__Rules__BlobServiceUri"

values=$(azd env get-values)

# Prints the value of KEY from `azd env get-values` (KEY="value", backslash-escaped).
value_of() {
  printf '%s\n' "$values" | sed -n "s/^$1=//p" | head -n 1 | sed -e 's/^"//' -e 's/"$//' -e 's/\\\(.\)/\1/g'
}

# Escapes a value for a JSON string.
json_escape() {
  printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'
}

entry() {
  v=$(value_of "$2")
  if [ -z "$v" ]; then
    echo "postprovision: '$2' is not in the azd environment; run 'azd provision' first." >&2
    exit 1
  fi
  printf '    "%s": "%s"' "$1" "$(json_escape "$v")"
}

tmp="$target.tmp"
trap 'rm -f "$tmp"' EXIT
{
  printf '{\n  "IsEncrypted": false,\n  "Values": {\n'
  printf '    "FUNCTIONS_WORKER_RUNTIME": "custom",\n'
  for key in $keys; do
    entry "$key" "$key"
    printf ',\n'
  done
  # A consumer group of its own, so a local run never takes partitions from the deployed app.
  entry EventHubConsumerGroup EventHubLocalConsumerGroup
  printf '\n  }\n}\n'
} > "$tmp"
mv "$tmp" "$target"
echo "postprovision: wrote $target"
