namespace Pipeline.Cli;

/// <summary>
/// What the command line needs from its surroundings. <see cref="Program.Main"/> passes the real console and clock;
/// tests pass writers, a fake clock and hooks, and call the same entry point in-process.
/// </summary>
public sealed record CliContext
{
    /// <summary>The clock of live runs (<c>run</c>, <c>simulate</c>): processing time and every wait.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Standard input, for <c>--source stdin</c>.</summary>
    public Func<Stream> OpenStdin { get; init; } = Console.OpenStandardInput;

    /// <summary>Whether standard output is a terminal (colours).</summary>
    public bool StdoutIsTerminal { get; init; }

    /// <summary>Whether standard error is a terminal (progress bar).</summary>
    public bool StderrIsTerminal { get; init; }

    /// <summary>Handler for outgoing HTTP (webhook sink, simulate); null: the default sockets handler.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    /// <summary>Handler for the storage clients' requests (<c>--state tables</c>); null: the SDK's own transport.</summary>
    public HttpMessageHandler? StorageHandler { get; init; }

    /// <summary>Called with the bound address once the HTTP ingest accepts requests (useful with <c>--http-port 0</c>).</summary>
    public Action<Uri>? HttpListening { get; init; }

    /// <summary>The silences file that runs read and <c>pipeline silences</c> changes (relative to the current folder).</summary>
    public string SilencesPath { get; init; } = "silences.json";

    /// <summary>Name of the run's meter and activity source; tests running side by side give each run its own.</summary>
    public string TelemetryName { get; init; } = Pipeline.Core.Observability.PipelineTelemetry.Name;

    /// <summary>Turn Ctrl+C and SIGTERM into cancellation (the real process only: a test host keeps its own signals).</summary>
    public bool HandleProcessTermination { get; init; }

    /// <summary>The standard context: the console and the system clock.</summary>
    public static CliContext FromConsole() => new()
    {
        StdoutIsTerminal = !Console.IsOutputRedirected,
        StderrIsTerminal = !Console.IsErrorRedirected,
    };
}
