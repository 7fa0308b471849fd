using System.Text.Json.Nodes;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests;

/// <summary>The real Bicep CLI (NuGet Azure.Bicep.CommandLine.linux-x64) compiles and lints infra/.</summary>
public class BicepCliTests
{
    public static TheoryData<string> BicepFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(RepoPaths.Infra, "*.bicep", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(RepoPaths.Infra, file));
        }

        return data;
    }

    [Fact]
    public void Main_bicep_builds_with_no_errors_or_warnings()
    {
        var build = Bicep.MainBuild;

        Assert.True(build.ExitCode == 0, build.StandardError);
        Assert.Empty(Bicep.Diagnostics(build.StandardError));
        Assert.Equal(string.Empty, build.StandardError.Trim());
        Assert.IsType<JsonObject>(JsonNode.Parse(build.StandardOutput));
    }

    [Theory]
    [MemberData(nameof(BicepFiles))]
    public void Lint_reports_nothing(string file)
    {
        var lint = Bicep.Run("lint", file);

        var output = lint.StandardOutput + lint.StandardError;
        Assert.True(lint.ExitCode == 0, output);
        Assert.Empty(Bicep.Diagnostics(output));
        Assert.Equal(string.Empty, output.Trim());
    }

    [Fact]
    public void Every_module_under_app_is_used_by_main()
    {
        var main = File.ReadAllText(RepoPaths.MainBicep);
        var modules = Directory.EnumerateFiles(Path.Combine(RepoPaths.Infra, "app"), "*.bicep")
            .Select(f => "app/" + Path.GetFileName(f))
            .ToList();

        Assert.NotEmpty(modules);
        Assert.All(modules, m => Assert.Contains($"'{m}'", main, StringComparison.Ordinal));
    }

    [Fact]
    public void Linter_config_turns_rules_into_errors()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Infra, "bicepconfig.json")))!;
        var rules = config["analyzers"]!["core"]!["rules"]!.AsObject();

        // Among them: no secrets in outputs, no cloud-specific URLs, names known when what-if runs.
        Assert.Equal("error", rules["outputs-should-not-contain-secrets"]!["level"]!.GetValue<string>());
        Assert.Equal("error", rules["what-if-short-circuiting"]!["level"]!.GetValue<string>());
        Assert.Equal("error", rules["no-hardcoded-env-urls"]!["level"]!.GetValue<string>());
        Assert.All(rules, r => Assert.Equal("error", r.Value!["level"]!.GetValue<string>()));
    }
}
