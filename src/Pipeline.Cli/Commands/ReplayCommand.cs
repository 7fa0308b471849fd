using System.CommandLine;
using System.Diagnostics;
using Pipeline.Core.Processing;
using Pipeline.Hosting;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline replay FILE</c>: the rules over a recorded JSON Lines file, as fast as possible, driven by the events'
/// own time (Core's <see cref="EventTimeReplay"/>: the end of the file is not time passing).
/// </summary>
internal static class ReplayCommand
{
    private sealed class Settings : LocalRunSettings
    {
        public Settings()
        {
            Pipeline.Alerts.Kinds.Add(AlertSinkKind.Jsonl);
            Pipeline.Alerts.Append = false;
            Pipeline.DeadLetters.Kind = DeadLetterKind.Jsonl;
        }

        public string File { get; set; } = string.Empty;

        public bool Print { get; set; }
    }

    public static Command Create(CliIo io) => new FlagTable<Settings>()
        .Argument("FILE", "Recorded telemetry, one JSON object per line", (s, v) => s.File = v)
        .LocalRunFlags("Alert file, overwritten")
        .InputFlags()
        .Switch("--print", "Also print each alert on the console", (s, v) => s.Print = v)
        .Command("replay", "Run the rules over a recorded telemetry file as fast as possible, driven by the events' own time", (s, ct) => ExecuteAsync(io, s, ct));

    private static async Task<int> ExecuteAsync(CliIo io, Settings s, CancellationToken cancellationToken)
    {
        var (rules, rulesPath) = RulesFile.Load(s.Rules);
        var stream = LineSource.OpenFile(s.File);
        await using var streamScope = stream;
        var stopwatch = Stopwatch.StartNew();
        io.Stdout.WriteLine($"pipeline replay: {s.File} with {Text.Rules(rules, rulesPath)}");
        s.Pipeline.Rules.Path = rulesPath;
        var run = new LocalRunOptions { Partitions = s.Partitions, Front = s.Print ? new ConsoleAlertSink(io.Stdout, io.Color) : null };
        await using var pipeline = await CliPipeline.CreateAsync(rules, s.Pipeline, run, io, cancellationToken).ConfigureAwait(false);
        var ingress = pipeline.Ingress;
        var progress = io.Context.StderrIsTerminal ? new ProgressBar(io.Stderr, stream.Length) : null;
        await LineInput.ReplayAsync("file", stream, ingress, io.Context.Time.GetUtcNow,
            progress is null ? null : read => progress.Report(read, ingress.Totals().Events.Received), cancellationToken).ConfigureAwait(false);
        progress?.Complete();
        Summary.Write(io.Stdout, ingress.Totals(), stopwatch.Elapsed, ingress.PendingAlerts, stateIsDurable: false,
            pipeline.DeadLettersWritten > 0 ? s.Pipeline.DeadLetters.Path : null);
        io.Stdout.WriteLine();
        io.Stdout.WriteLine(Summary.Written(pipeline.Delivered.Count, s.Pipeline.Alerts.Path));
        return 0;
    }
}
