using Pipeline.Cli;

namespace Pipeline.Dashboard.Tests;

/// <summary>The real <c>pipeline run</c> (or <c>demo --serve</c>), in-process, on a free loopback port; disposing stops it like Ctrl+C.</summary>
internal sealed class LocalRun : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly StringWriter _stdout = new();
    private readonly StringWriter _stderr = new();
    private Task<int> _run = Task.FromResult(0);

    public Uri Address { get; private set; } = null!;

    public string Stdout => _stdout.ToString();

    public static Task<LocalRun> StartAsync(params string[] args) => StartCommandAsync(["run", "--http-port", "0", .. args]);

    /// <summary>Any command that serves on loopback (<c>demo --serve --http-port 0</c>).</summary>
    public static async Task<LocalRun> StartCommandAsync(string[] args)
    {
        var run = new LocalRun();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new CliContext { HttpListening = uri => listening.TrySetResult(uri) };
        run._run = CommandLine.RunAsync(args, TextWriter.Synchronized(run._stdout), TextWriter.Synchronized(run._stderr),
            context, run._stop.Token);

        // Whichever comes first: the server listening, or the run ending (a usage error) with its message.
        var first = await Task.WhenAny(listening.Task, run._run);
        if (first != listening.Task)
        {
            throw new InvalidOperationException($"pipeline {args[0]} ended with {await run._run}: {run._stderr}");
        }

        run.Address = await listening.Task;
        return run;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _run;
        _stop.Dispose();
    }
}
