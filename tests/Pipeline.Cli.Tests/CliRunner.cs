using Pipeline.Cli;

namespace Pipeline.Cli.Tests;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs the real entry point in-process with captured output.</summary>
internal static class CliRunner
{
    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(new CliContext(), args);

    public static async Task<CliResult> RunAsync(CliContext context, string[] args, CancellationToken cancellationToken = default)
    {
        // Synchronized: alert lines, HTTP handlers and the summary may write from different threads.
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLine.RunAsync(args, TextWriter.Synchronized(stdout), TextWriter.Synchronized(stderr), context, cancellationToken);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The shipped sample rules (copied next to the program and its tests).</summary>
    public static string SampleRules => Path.Combine(AppContext.BaseDirectory, "samples", "rules.yaml");
}
