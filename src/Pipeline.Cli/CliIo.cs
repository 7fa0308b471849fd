namespace Pipeline.Cli;

/// <summary>The writers and surroundings a command runs with.</summary>
internal sealed record CliIo(TextWriter Stdout, TextWriter Stderr, CliContext Context)
{
    /// <summary>Colour alert lines only on a terminal, and never with NO_COLOR set.</summary>
    public bool Color => Context.StdoutIsTerminal && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
}
