using System.Text.Json.Nodes;

namespace Pipeline.Infra.Tests.Support;

/// <summary>Runs the real Bicep CLI. main.bicep is compiled once per test run.</summary>
internal static class Bicep
{
    private static readonly Lazy<ProcessResult> _mainBuild = new(() => Run("build", "--stdout", RepoPaths.MainBicep));
    private static readonly Lazy<ArmTemplate> _main = new(() =>
    {
        var build = _mainBuild.Value;
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException("bicep build failed:\n" + build.StandardError);
        }

        return new ArmTemplate(JsonNode.Parse(build.StandardOutput)!.AsObject());
    });

    /// <summary>The result of `bicep build --stdout infra/main.bicep`.</summary>
    public static ProcessResult MainBuild => _mainBuild.Value;

    /// <summary>The compiled ARM template of infra/main.bicep.</summary>
    public static ArmTemplate Main => _main.Value;

    public static ProcessResult Run(params string[] arguments) =>
        ProcessRunner.Run(
            RepoPaths.BicepExecutable(),
            arguments,
            RepoPaths.Infra,
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" });

    /// <summary>Diagnostic lines (warnings, errors, infos) in Bicep CLI output.</summary>
    public static IReadOnlyList<string> Diagnostics(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.Contains(" : Error ", StringComparison.Ordinal)
                || line.Contains(" : Warning ", StringComparison.Ordinal)
                || line.Contains(" : Info ", StringComparison.Ordinal))
            .ToList();
}
