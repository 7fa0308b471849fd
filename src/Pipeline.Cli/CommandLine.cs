namespace Pipeline.Cli;

/// <summary>The <c>pipeline</c> command line: parses arguments and runs a command with the given output writers.</summary>
public static class CommandLine
{
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        stderr.WriteLine("pipeline: no commands yet");
        return Task.FromResult(1);
    }
}
