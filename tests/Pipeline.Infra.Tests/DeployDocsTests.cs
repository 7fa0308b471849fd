using System.Text.RegularExpressions;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests;

/// <summary>
/// docs/deploy.md (issue 11, items 6 and "done when"): every call to the deployed Api sends a function key and
/// the page says how to get one; the first deployment checklist and what needs a subscription are there.
/// </summary>
public partial class DeployDocsTests
{
    private static readonly string _deploy = RepoPaths.Combine("docs", "deploy.md");

    /// <summary>Shell commands in the fenced blocks of a Markdown file, with backslash continuations joined.</summary>
    private static IEnumerable<string> ShellCommands(string markdown)
    {
        foreach (Match block in FencedBlock().Matches(markdown))
        {
            var joined = block.Groups["body"].Value.Replace("\\\n", " ", StringComparison.Ordinal);
            foreach (var line in joined.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                yield return line;
            }
        }

        // Inline commands too: `curl …`.
        foreach (Match inline in InlineCode().Matches(markdown))
        {
            yield return inline.Groups["code"].Value;
        }
    }

    /// <summary>The markdown files whose Api examples are checked: every page under docs/.</summary>
    public static TheoryData<string> DocsPages()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(RepoPaths.Combine("docs"), "*.md").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(RepoPaths.Root, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(DocsPages))]
    public void Every_call_to_the_deployed_api_sends_a_function_key(string page)
    {
        var calls = ShellCommands(File.ReadAllText(RepoPaths.Combine(page)))
            .Where(c => c.Contains("curl", StringComparison.Ordinal) && c.Contains("/api/", StringComparison.Ordinal))
            .Where(c => !c.Contains("localhost", StringComparison.Ordinal) && !c.Contains("127.0.0.1", StringComparison.Ordinal));

        Assert.All(calls, c => Assert.Contains("x-functions-key", c, StringComparison.Ordinal));
    }

    [Fact]
    public void The_deployment_guide_calls_the_api_and_says_how_to_get_the_key()
    {
        var text = File.ReadAllText(_deploy);
        var calls = ShellCommands(text).Where(c => c.Contains("curl", StringComparison.Ordinal) && c.Contains("/api/", StringComparison.Ordinal)).ToList();

        Assert.Contains(calls, c => c.Contains("-X PUT", StringComparison.Ordinal) && c.Contains("/api/rules", StringComparison.Ordinal));
        Assert.Contains(calls, c => c.Contains("/api/health", StringComparison.Ordinal));
        Assert.Contains(ShellCommands(text), c => c.StartsWith("key=$(az functionapp keys list", StringComparison.Ordinal) && c.Contains("functionKeys.default", StringComparison.Ordinal));
    }

    [Fact]
    public void The_checker_catches_a_call_without_a_key()
    {
        // The README's old example, which got 401.
        const string Page = "```sh\nhost=$(azd env get-value AZURE_FUNCTION_APP_URL)\ncurl -X PUT \"$host/api/rules\" \\\n  --data-binary @samples/rules.yaml\n```\n";

        var calls = ShellCommands(Page).Where(c => c.Contains("curl", StringComparison.Ordinal)).ToList();

        Assert.Equal("curl -X PUT \"$host/api/rules\"    --data-binary @samples/rules.yaml", Assert.Single(calls));
        Assert.DoesNotContain("x-functions-key", calls[0], StringComparison.Ordinal);
    }

    [Fact]
    public void The_api_needs_a_function_key()
    {
        // What the examples above answer to: the Api function's auth level.
        var api = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(RepoPaths.Combine("functions", "Pipeline.Functions", "Api", "function.json")))!;
        var trigger = api["bindings"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "httpTrigger")!;

        Assert.Equal("function", trigger["authLevel"]!.GetValue<string>());
    }

    [Fact]
    public void The_guide_has_a_numbered_first_deployment_checklist_and_the_open_points()
    {
        var text = File.ReadAllText(_deploy);
        var checklist = Section(text, "## First deployment checklist");

        Assert.Equal(Enumerable.Range(1, 10), NumberedStep().Matches(checklist).Select(m => int.Parse(m.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains("azd env set AZURE_LOCATION", checklist, StringComparison.Ordinal);
        Assert.Contains("Run `azd provision` again", checklist, StringComparison.Ordinal);
        Assert.Contains("predeploy", checklist, StringComparison.Ordinal);
        Assert.Contains("Needs a subscription", text, StringComparison.Ordinal);
        Assert.Contains("## Deploying from Windows", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_guide_names_the_tls_regions_bicep_uses()
    {
        var text = File.ReadAllText(_deploy);
        var iotHub = Bicep.Main.Single("Microsoft.Devices/IotHubs");
        var regions = iotHub.Scope.Template["variables"]!["tls12EnforcementRegions"]!.AsArray().Select(r => r!.GetValue<string>());
        var displayNames = new Dictionary<string, string>
        {
            ["eastus"] = "East US",
            ["southcentralus"] = "South Central US",
            ["westus2"] = "West US 2",
            ["usgovarizona"] = "US Gov Arizona",
            ["usgovvirginia"] = "US Gov Virginia",
        };

        Assert.All(regions, r => Assert.Contains(displayNames[r], text, StringComparison.Ordinal));
    }

    private static string Section(string text, string heading)
    {
        var start = text.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, heading);
        var end = text.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }

    [GeneratedRegex("```[a-z]*\\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex("(?<!`)`(?<code>curl [^`]+)`(?!`)")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"^(?<n>\d+)\. ", RegexOptions.Multiline)]
    private static partial Regex NumberedStep();
}
