using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests;

/// <summary>
/// The postprovision hook that writes local.settings.json. The POSIX script runs here against a
/// stand-in `azd` that prints what `azd env get-values` prints. The PowerShell script cannot run
/// here (no pwsh); its key list is checked against the POSIX one.
/// </summary>
public partial class HookTests : IDisposable
{
    private static readonly string _script = Path.Combine(RepoPaths.Infra, "hooks", "postprovision.sh");
    private static readonly string _powerShellScript = Path.Combine(RepoPaths.Infra, "hooks", "postprovision.ps1");

    private readonly string _directory = Directory.CreateTempSubdirectory("postprovision-").FullName;

    private static readonly string[] _environment =
    [
        "AZURE_ENV_NAME=\"dev\"",
        "AZURE_LOCATION=\"swedencentral\"",
        "AzureWebJobsStorage__accountName=\"stabc\"",
        "EventHubConnection__fullyQualifiedNamespace=\"evhns-abc.servicebus.windows.net\"",
        "EventHubName=\"telemetry\"",
        "EventHubConsumerGroup=\"pipeline\"",
        "EventHubLocalConsumerGroup=\"local\"",
        "APPLICATIONINSIGHTS_CONNECTION_STRING=\"InstrumentationKey=00000000-0000-0000-0000-000000000000\"",
        "Pipeline__Environment=\"dev \\\"quoted\\\" \\\\ slash\"",
        "Pipeline__State__Kind=\"tables\"",
        "Pipeline__State__TableServiceUri=\"https://stabc.table.core.windows.net/\"",
        "Pipeline__DeadLetters__Kind=\"tables\"",
        "Pipeline__DeadLetters__TableServiceUri=\"https://stabc.table.core.windows.net/\"",
        "Pipeline__Alerts__Kind=\"eventgrid\"",
        "Pipeline__Alerts__TopicEndpoint=\"https://evgt-abc.swedencentral-1.eventgrid.azure.net/api/events\"",
        "Pipeline__Rules__Kind=\"blob\"",
        "Pipeline__Rules__BlobServiceUri=\"https://stabc.blob.core.windows.net/\"",
    ];

    public void Dispose()
    {
        Directory.Delete(_directory, recursive: true);
        GC.SuppressFinalize(this);
    }

    private ProcessResult RunHook(IEnumerable<string> environmentLines, string target)
    {
        var values = Path.Combine(_directory, "values.env");
        File.WriteAllLines(values, environmentLines);
        var azd = Path.Combine(_directory, "azd");
        File.WriteAllText(azd, $"#!/bin/sh\n[ \"$1 $2\" = \"env get-values\" ] || exit 2\ncat '{values}'\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(azd, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return ProcessRunner.Run(
            "sh",
            [_script],
            _directory,
            new Dictionary<string, string>
            {
                ["PATH"] = _directory + ":" + Environment.GetEnvironmentVariable("PATH"),
                ["PIPELINE_LOCAL_SETTINGS"] = target,
            });
    }

    [Fact]
    public void Posix_script_is_valid_sh()
    {
        var check = ProcessRunner.Run("sh", ["-n", _script], _directory);

        Assert.True(check.ExitCode == 0, check.StandardError);
    }

    [Fact]
    public void Writes_local_settings_from_the_azd_environment()
    {
        var target = Path.Combine(_directory, "local.settings.json");

        var run = RunHook(_environment, target);

        Assert.True(run.ExitCode == 0, run.StandardError);
        var settings = JsonNode.Parse(File.ReadAllText(target))!;
        var values = settings["Values"]!.AsObject();
        Assert.False(settings["IsEncrypted"]!.GetValue<bool>());
        Assert.Equal("custom", values["FUNCTIONS_WORKER_RUNTIME"]!.GetValue<string>());
        Assert.Equal("stabc", values["AzureWebJobsStorage__accountName"]!.GetValue<string>());
        Assert.Equal("evhns-abc.servicebus.windows.net", values["EventHubConnection__fullyQualifiedNamespace"]!.GetValue<string>());
        Assert.Equal("telemetry", values["EventHubName"]!.GetValue<string>());
        Assert.Equal("local", values["EventHubConsumerGroup"]!.GetValue<string>());
        Assert.Equal("dev \"quoted\" \\ slash", values["Pipeline__Environment"]!.GetValue<string>());
        Assert.Equal("https://evgt-abc.swedencentral-1.eventgrid.azure.net/api/events", values["Pipeline__Alerts__TopicEndpoint"]!.GetValue<string>());
        Assert.Equal("tables", values["Pipeline__State__Kind"]!.GetValue<string>());
        Assert.Equal("https://stabc.blob.core.windows.net/", values["Pipeline__Rules__BlobServiceUri"]!.GetValue<string>());
    }

    [Fact]
    public void Local_settings_use_the_developer_credential_not_the_app_identity()
    {
        var target = Path.Combine(_directory, "local.settings.json");

        var run = RunHook(_environment, target);

        Assert.True(run.ExitCode == 0, run.StandardError);
        var values = JsonNode.Parse(File.ReadAllText(target))!["Values"]!.AsObject();
        Assert.DoesNotContain(values, v => v.Key.EndsWith("__credential", StringComparison.Ordinal));
        Assert.DoesNotContain(values, v => v.Key.EndsWith("__clientId", StringComparison.Ordinal));
        Assert.False(values.ContainsKey("AZURE_CLIENT_ID"));
    }

    [Fact]
    public void Fails_and_writes_nothing_when_provisioning_has_not_run()
    {
        var target = Path.Combine(_directory, "local.settings.json");

        var run = RunHook(_environment.Where(l => !l.StartsWith("Pipeline__Alerts__TopicEndpoint=", StringComparison.Ordinal)), target);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("Pipeline__Alerts__TopicEndpoint", run.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(target));
        Assert.False(File.Exists(target + ".tmp"));
    }

    [Fact]
    public void Both_scripts_copy_the_same_outputs_and_main_bicep_has_them()
    {
        var posix = KeyList(File.ReadAllText(_script), ShKeys());
        var windows = KeyList(File.ReadAllText(_powerShellScript), PwshKeys());

        Assert.Equal(posix, windows);
        Assert.All(posix.Append("EventHubLocalConsumerGroup"), key => Assert.True(Bicep.Main.Outputs.ContainsKey(key), $"main.bicep has no output {key}"));
        Assert.Contains("Get-Required 'EventHubLocalConsumerGroup'", File.ReadAllText(_powerShellScript), StringComparison.Ordinal);
    }

    private static string[] KeyList(string script, Regex pattern) =>
        pattern.Match(script) is { Success: true } m
            ? m.Groups["keys"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            : throw new InvalidOperationException("key list not found");

    [GeneratedRegex("^keys=\"(?<keys>[^\"]+)\"$", RegexOptions.Multiline)]
    private static partial Regex ShKeys();

    [GeneratedRegex(@"^\$keys = '(?<keys>[^']+)' -split ' '", RegexOptions.Multiline)]
    private static partial Regex PwshKeys();
}
