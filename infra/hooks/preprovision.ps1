# azd preprovision hook (Windows, pwsh): stops before anything is created when the chosen region
# has no Flex Consumption 'custom' runtime; the Function App would otherwise fail at the end of a
# long provision. It asks Azure Resource Manager for the region's Flex Consumption stacks,
#   GET /providers/Microsoft.Web/locations/{region}/functionAppStacks
#       ?api-version=2020-10-01&removeHiddenStacks=true&removeDeprecatedStacks=true&stack=custom&sku=FC1
# (the request behind `az functionapp list-flexconsumption-runtimes` and Az.Functions'
# Get-AzFunctionAppFlexConsumptionRuntime), through `az rest` with your `az login` sign-in.
# Without the Azure CLI, or when it cannot ask, the hook warns and lets provisioning go on.
# PIPELINE_SKIP_REGION_CHECK=true skips the check (keep in step with preprovision.sh).
$ErrorActionPreference = 'Stop'

if ($env:PIPELINE_SKIP_REGION_CHECK -eq 'true') {
    Write-Host 'preprovision: region check skipped (PIPELINE_SKIP_REGION_CHECK=true).'
    exit 0
}

# ARM region names are lower case without spaces ("East Asia" is eastasia).
$location = "$env:AZURE_LOCATION".ToLowerInvariant().Replace(' ', '')
if (-not $location) {
    Write-Warning 'preprovision: AZURE_LOCATION is not set, so the Flex Consumption region check is skipped. Set it first: azd env set AZURE_LOCATION <region>'
    exit 0
}

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Write-Warning "preprovision: the Azure CLI (az) is not installed, so it is not checked whether '$location' has the Flex Consumption 'custom' runtime."
    exit 0
}

$query = 'api-version=2020-10-01&removeHiddenStacks=true&removeDeprecatedStacks=true&stack=custom&sku=FC1'

# The functionAppStacks answer for a region, or $null when az cannot ask.
function Get-Stacks([string] $region) {
    $text = az rest --method get --url "/providers/Microsoft.Web/locations/$region/functionAppStacks?$query" --output json 2>$null
    if ($LASTEXITCODE -ne 0) { return $null }
    return ($text -join "`n") | ConvertFrom-Json
}

# True when the answer offers the custom runtime on Flex Consumption (its FC1 sku entry).
function Test-CustomFlex($answer) {
    foreach ($stack in @($answer.value)) {
        foreach ($major in @($stack.properties.majorVersions)) {
            foreach ($minor in @($major.minorVersions)) {
                foreach ($sku in @($minor.stackSettings.linuxRuntimeSettings.Sku)) {
                    if ($sku.skuCode -eq 'FC1' -and $sku.functionAppConfigProperties.runtime.name -eq 'custom') { return $true }
                }
            }
        }
    }
    return $false
}

$answer = Get-Stacks $location
if ($null -eq $answer) {
    Write-Warning "preprovision: could not ask Azure whether '$location' has the Flex Consumption 'custom' runtime, so provisioning goes on unchecked."
    exit 0
}

if (Test-CustomFlex $answer) {
    Write-Host "preprovision: '$location' has the Flex Consumption 'custom' runtime."
    exit 0
}

Write-Host "preprovision: '$location' has no Flex Consumption 'custom' runtime, which the Function App needs. Looking for the regions that have it..."
$regions = @(az functionapp list-flexconsumption-locations --query '[].name' --output tsv 2>$null)
$found = @($regions | Where-Object { $_ -and (Test-CustomFlex (Get-Stacks $_)) })
if ($found.Count -gt 0) {
    Write-Host "preprovision: regions with it: $($found -join ' ')"
} else {
    Write-Host 'preprovision: could not list the regions that have it; run: az functionapp list-flexconsumption-locations'
}
Write-Error 'preprovision: choose one (azd env set AZURE_LOCATION <region>) and run azd up again. Nothing was created.'
exit 1
