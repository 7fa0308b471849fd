using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests;

/// <summary>
/// The preprovision hook that stops early in a region without Flex Consumption's custom runtime
/// (issue 11, item 7). The POSIX script runs against a stand-in `az` that answers the exact request
/// the hook must make with the recorded answers under Recorded/ (see its README); nothing goes to
/// the network. The PowerShell script cannot run here (no pwsh); it is checked to make the same request.
/// </summary>
public sealed class RegionCheckHookTests : IDisposable
{
    private const string Query = "api-version=2020-10-01&removeHiddenStacks=true&removeDeprecatedStacks=true&stack=custom&sku=FC1";

    private static readonly string _script = Path.Combine(RepoPaths.Infra, "hooks", "preprovision.sh");
    private static readonly string _powerShellScript = Path.Combine(RepoPaths.Infra, "hooks", "preprovision.ps1");

    private readonly string _directory = Directory.CreateTempSubdirectory("preprovision-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>
    /// Writes a stand-in `az`: regions in <paramref name="withCustom"/> answer with the recorded East Asia stacks,
    /// other regions with the empty answer, `list-flexconsumption-locations` prints <paramref name="flexRegions"/>;
    /// any other command line fails. <paramref name="signedIn"/> false makes every call fail as az does before `az login`.
    /// </summary>
    private void WriteAz(string[] withCustom, string[] flexRegions, bool signedIn = true)
    {
        var calls = Path.Combine(_directory, "calls.log");
        var script = $$"""
            #!/bin/sh
            printf '%s\n' "$*" >> '{{calls}}'
            if [ "{{(signedIn ? "yes" : "no")}}" = no ]; then
              echo "ERROR: Please run 'az login' to setup account." >&2
              exit 1
            fi
            case "$*" in
              "functionapp list-flexconsumption-locations --query [].name --output tsv")
                printf '%s\n' {{string.Join(' ', flexRegions)}}
                exit 0 ;;
            esac
            for region in {{string.Join(' ', withCustom)}}; do
              if [ "$*" = "rest --method get --url /providers/Microsoft.Web/locations/$region/functionAppStacks?{{Query}} --output json" ]; then
                cat '{{RecordedAnswers.Path("functionAppStacks-custom-eastasia.json")}}'
                exit 0
              fi
            done
            case "$*" in
              "rest --method get --url /providers/Microsoft.Web/locations/"*"/functionAppStacks?{{Query}} --output json")
                cat '{{RecordedAnswers.Path("functionAppStacks-custom-none.json")}}'
                exit 0 ;;
            esac
            echo "stand-in az: unexpected command line: $*" >&2
            exit 2
            """;
        var az = Path.Combine(_directory, "az");
        File.WriteAllText(az, script.ReplaceLineEndings("\n"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(az, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string[] Calls()
    {
        var path = Path.Combine(_directory, "calls.log");
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }

    private ProcessResult RunHook(string? location, bool withAz = true, string? skip = null)
    {
        // Only the stand-in directory and the basic tools: a real az on the machine must not answer.
        var path = (withAz ? _directory + ":" : string.Empty) + "/usr/bin:/bin";
        var environment = new Dictionary<string, string> { ["PATH"] = path, ["AZURE_LOCATION"] = location ?? string.Empty };
        if (skip is not null)
        {
            environment["PIPELINE_SKIP_REGION_CHECK"] = skip;
        }

        return ProcessRunner.Run("/bin/sh", [_script], _directory, environment);
    }

    [Fact]
    public void Posix_script_is_valid_sh()
    {
        var check = ProcessRunner.Run("sh", ["-n", _script], _directory);

        Assert.True(check.ExitCode == 0, check.StandardError);
    }

    [Fact]
    public void A_region_with_the_custom_runtime_passes_after_one_request()
    {
        WriteAz(withCustom: ["eastasia"], flexRegions: ["eastasia"]);

        var run = RunHook("eastasia");

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("'eastasia' has the Flex Consumption 'custom' runtime", run.StandardOutput, StringComparison.Ordinal);
        Assert.Equal([$"rest --method get --url /providers/Microsoft.Web/locations/eastasia/functionAppStacks?{Query} --output json"], Calls());
    }

    [Fact]
    public void A_display_name_is_asked_for_as_the_region_name()
    {
        WriteAz(withCustom: ["eastasia"], flexRegions: ["eastasia"]);

        var run = RunHook("East Asia");

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("/locations/eastasia/functionAppStacks?", Assert.Single(Calls()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_region_without_it_stops_with_the_regions_that_have_it()
    {
        WriteAz(withCustom: ["eastasia", "swedencentral"], flexRegions: ["eastasia", "westeurope", "swedencentral"]);

        var run = RunHook("westeurope");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("'westeurope' has no Flex Consumption 'custom' runtime", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("regions with it: eastasia swedencentral\n", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("azd env set AZURE_LOCATION", run.StandardError, StringComparison.Ordinal);
        Assert.Equal(5, Calls().Length); // westeurope, the region list, then each of the three regions
    }

    [Fact]
    public void When_az_cannot_ask_provisioning_goes_on_with_a_warning()
    {
        WriteAz(withCustom: [], flexRegions: [], signedIn: false);

        var run = RunHook("eastasia");

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("could not ask Azure", run.StandardError, StringComparison.Ordinal);
        Assert.Contains("az login", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_azure_cli_provisioning_goes_on_with_a_warning()
    {
        var run = RunHook("eastasia", withAz: false);

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("Azure CLI (az) is not installed", run.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_location_the_check_says_how_to_set_one()
    {
        WriteAz(withCustom: [], flexRegions: []);

        var run = RunHook(null);

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Contains("azd env set AZURE_LOCATION", run.StandardError, StringComparison.Ordinal);
        Assert.Empty(Calls());
    }

    [Fact]
    public void The_check_can_be_skipped()
    {
        WriteAz(withCustom: [], flexRegions: []);

        var run = RunHook("westeurope", skip: "true");

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Empty(Calls());
    }

    [Fact]
    public void Both_scripts_make_the_same_request_and_look_for_the_same_answer()
    {
        var posix = File.ReadAllText(_script);
        var windows = File.ReadAllText(_powerShellScript);

        Assert.Contains($"query='{Query}'", posix, StringComparison.Ordinal);
        Assert.Contains($"$query = '{Query}'", windows, StringComparison.Ordinal);
        Assert.Contains("/providers/Microsoft.Web/locations/$1/functionAppStacks?$query", posix, StringComparison.Ordinal);
        Assert.Contains("/providers/Microsoft.Web/locations/$region/functionAppStacks?$query", windows, StringComparison.Ordinal);
        Assert.Contains("$sku.skuCode -eq 'FC1' -and $sku.functionAppConfigProperties.runtime.name -eq 'custom'", windows, StringComparison.Ordinal);
        Assert.Contains("PIPELINE_SKIP_REGION_CHECK", windows, StringComparison.Ordinal);
    }

    [Fact]
    public void The_runtime_the_check_looks_for_is_the_one_bicep_deploys()
    {
        var runtime = Bicep.Main.Single("Microsoft.Web/sites").Properties["functionAppConfig"]!["runtime"]!;

        Assert.Equal("custom", runtime["name"]!.GetValue<string>());
        Assert.Contains("\"runtime\":{\"name\":\"custom\"", File.ReadAllText(_script), StringComparison.Ordinal);
    }
}
