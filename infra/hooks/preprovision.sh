#!/bin/sh
# azd preprovision hook (Linux, macOS): stops before anything is created when the chosen region
# has no Flex Consumption 'custom' runtime; the Function App would otherwise fail at the end of a
# long provision. It asks Azure Resource Manager for the region's Flex Consumption stacks,
#   GET /providers/Microsoft.Web/locations/{region}/functionAppStacks
#       ?api-version=2020-10-01&removeHiddenStacks=true&removeDeprecatedStacks=true&stack=custom&sku=FC1
# (the request behind `az functionapp list-flexconsumption-runtimes` and Az.Functions'
# Get-AzFunctionAppFlexConsumptionRuntime), through `az rest` with your `az login` sign-in.
# Without the Azure CLI, or when it cannot ask, the hook warns and lets provisioning go on.
# PIPELINE_SKIP_REGION_CHECK=true skips the check (keep in step with preprovision.ps1).
set -eu

if [ "${PIPELINE_SKIP_REGION_CHECK:-}" = "true" ]; then
  echo "preprovision: region check skipped (PIPELINE_SKIP_REGION_CHECK=true)."
  exit 0
fi

# ARM region names are lower case without spaces ("East Asia" is eastasia).
location=$(printf '%s' "${AZURE_LOCATION:-}" | tr 'A-Z' 'a-z' | tr -d ' ')
if [ -z "$location" ]; then
  echo "preprovision: AZURE_LOCATION is not set, so the Flex Consumption region check is skipped. Set it first: azd env set AZURE_LOCATION <region>" >&2
  exit 0
fi

if ! command -v az >/dev/null 2>&1; then
  echo "preprovision: the Azure CLI (az) is not installed, so it is not checked whether '$location' has the Flex Consumption 'custom' runtime." >&2
  exit 0
fi

query='api-version=2020-10-01&removeHiddenStacks=true&removeDeprecatedStacks=true&stack=custom&sku=FC1'

# The functionAppStacks answer for region $1.
stacks() {
  az rest --method get --url "/providers/Microsoft.Web/locations/$1/functionAppStacks?$query" --output json
}

# True when the answer on stdin offers the custom runtime on Flex Consumption: only the FC1 sku
# entry carries functionAppConfigProperties, and its runtime name is the one Bicep deploys.
has_custom_flex() {
  tr -d ' \t\r\n' | grep -q '"functionAppConfigProperties":{"runtime":{"name":"custom"'
}

errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
if ! answer=$(stacks "$location" 2>"$errors"); then
  echo "preprovision: could not ask Azure whether '$location' has the Flex Consumption 'custom' runtime, so provisioning goes on unchecked: $(tr '\n' ' ' < "$errors")" >&2
  exit 0
fi

if printf '%s' "$answer" | has_custom_flex; then
  echo "preprovision: '$location' has the Flex Consumption 'custom' runtime."
  exit 0
fi

echo "preprovision: '$location' has no Flex Consumption 'custom' runtime, which the Function App needs. Looking for the regions that have it..." >&2
regions=$(az functionapp list-flexconsumption-locations --query "[].name" --output tsv 2>/dev/null || true)
found=""
for region in $regions; do
  if stacks "$region" 2>/dev/null | has_custom_flex; then
    found="$found $region"
  fi
done

if [ -n "$found" ]; then
  echo "preprovision: regions with it:$found" >&2
else
  echo "preprovision: could not list the regions that have it; run: az functionapp list-flexconsumption-locations" >&2
fi
echo "preprovision: choose one (azd env set AZURE_LOCATION <region>) and run azd up again. Nothing was created." >&2
exit 1
