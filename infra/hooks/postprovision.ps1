# azd postprovision hook (Windows, pwsh): writes functions/Pipeline.Functions/local.settings.json
# for hybrid local runs (`func start` on this machine against the provisioned Event Hubs,
# Storage and Event Grid) from `azd env get-values`. Nothing secret is written: every
# connection is identity-based and, locally, uses your own Entra sign-in (az login or
# azd auth login) through DefaultAzureCredential. The deployed app's identity settings
# (__credential, __clientId, AZURE_CLIENT_ID) are deliberately left out.
# Set PIPELINE_LOCAL_SETTINGS to write somewhere else.
$ErrorActionPreference = 'Stop'

$root = Resolve-Path (Join-Path $PSScriptRoot '..' '..')
$target = if ($env:PIPELINE_LOCAL_SETTINGS) { $env:PIPELINE_LOCAL_SETTINGS } else { Join-Path $root 'functions' 'Pipeline.Functions' 'local.settings.json' }

# Outputs of infra/main.bicep copied under the same name (keep in step with postprovision.sh).
$keys = 'AzureWebJobsStorage__accountName EventHubConnection__fullyQualifiedNamespace EventHubName Pipeline__Environment Pipeline__State__Kind Pipeline__State__TableServiceUri Pipeline__DeadLetters__Kind Pipeline__DeadLetters__TableServiceUri Pipeline__Alerts__Kind Pipeline__Alerts__TopicEndpoint Pipeline__Rules__Kind Pipeline__Rules__BlobServiceUri' -split ' '

$lines = azd env get-values
if ($LASTEXITCODE -ne 0) { throw 'postprovision: azd env get-values failed.' }

# KEY="value" with backslash escapes.
$values = @{}
foreach ($line in $lines) {
    if ($line -match '^([^=]+)=(.*)$') {
        $value = $Matches[2]
        if ($value.Length -ge 2 -and $value.StartsWith('"') -and $value.EndsWith('"')) {
            $value = $value.Substring(1, $value.Length - 2)
        }
        $values[$Matches[1]] = [regex]::Replace($value, '\\(.)', '$1')
    }
}

function Get-Required([string] $name) {
    $value = $values[$name]
    if ([string]::IsNullOrEmpty($value)) {
        throw "postprovision: '$name' is not in the azd environment; run 'azd provision' first."
    }
    return $value
}

$settings = [ordered]@{ FUNCTIONS_WORKER_RUNTIME = 'custom' }
foreach ($key in $keys) {
    $settings[$key] = Get-Required $key
}
# A consumer group of its own, so a local run never takes partitions from the deployed app.
$settings['EventHubConsumerGroup'] = Get-Required 'EventHubLocalConsumerGroup'

[ordered]@{ IsEncrypted = $false; Values = $settings } |
    ConvertTo-Json -Depth 5 |
    Set-Content -LiteralPath $target -Encoding utf8
Write-Host "postprovision: wrote $target"
