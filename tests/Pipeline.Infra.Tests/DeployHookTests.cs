using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests;

/// <summary>
/// The predeploy hook (issue 11, item 4): azd keeps the handler's executable bit in the zip only
/// when it runs off Windows, so the Windows side stops with a clear message. pwsh is not on this
/// machine: the Windows script is checked as text, the POSIX one is run.
/// </summary>
public class DeployHookTests
{
    private static readonly string _posix = Path.Combine(RepoPaths.Infra, "hooks", "predeploy.sh");
    private static readonly string _windows = Path.Combine(RepoPaths.Infra, "hooks", "predeploy.ps1");

    [Fact]
    public void Posix_side_lets_the_deployment_go_on()
    {
        var run = ProcessRunner.Run("sh", [_posix], RepoPaths.Root);

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Equal(string.Empty, run.StandardError);
    }

    [Fact]
    public void Windows_side_stops_with_a_message_that_says_what_to_do()
    {
        var script = File.ReadAllText(_windows);
        var code = string.Join('\n', script.Split('\n').Where(l => !l.TrimStart().StartsWith('#')));

        Assert.Contains("Write-Error", code, StringComparison.Ordinal);
        Assert.Contains("exit 1", code, StringComparison.Ordinal);
        Assert.Contains("executable bit", code, StringComparison.Ordinal);
        Assert.Contains("WSL", code, StringComparison.Ordinal);
        Assert.Contains("docs/deploy.md", code, StringComparison.Ordinal);
    }

    [Fact]
    public void The_executable_the_host_starts_is_the_handler()
    {
        // What the Windows side protects: host.json names the executable the zip must keep executable.
        var host = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(RepoPaths.Combine("functions", "Pipeline.Functions", "host.json")))!;

        Assert.Equal("handler", host["customHandler"]!["description"]!["defaultExecutablePath"]!.GetValue<string>());
    }
}
