using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
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
    public static Command Create(CliIo io)
    {
        var file = new Argument<string>("FILE") { Description = "Recorded telemetry, one JSON object per line" };
        var rules = CliOptions.Text("--rules", $"Rule file (default {RulesFile.DefaultPath}, else the copy shipped with the program)", "FILE");
        var output = CliOptions.Text("--out", "Alert file, overwritten (default alerts.jsonl)", "FILE");
        var deadLetters = CliOptions.Text("--dead-letters", "JSON Lines file that keeps rejected lines (default dead-letters.jsonl)", "FILE");
        var partitions = CliOptions.Int("--partitions", "Virtual partitions", 1, 1, 256);
        var environment = CliOptions.Text("--environment", "Environment name in alert sources (default local)", "NAME");
        var print = new Option<bool>("--print") { Description = "Also print each alert on the console" };
        var command = new Command("replay", "Run the rules over a recorded telemetry file as fast as possible, driven by the events' own time");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { rules, output, deadLetters, partitions, environment, print })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, ct) => ExecuteAsync(io, parse.GetValue(file)!, parse.GetValue(rules), parse.GetValue(output) ?? "alerts.jsonl",
            parse.GetValue(deadLetters) ?? "dead-letters.jsonl", parse.GetValue(partitions), parse.GetValue(environment) ?? "local", parse.GetValue(print), ct));
        return command;
    }

    private static async Task<int> ExecuteAsync(CliIo io, string path, string? rulesFile, string output, string deadLetterPath, int partitions,
        string environment, bool print, CancellationToken cancellationToken)
    {
        var (rules, rulesPath) = RulesFile.Load(rulesFile);
        var stream = LineSource.OpenFile(path);
        await using var streamScope = stream;
        var stopwatch = Stopwatch.StartNew();
        io.Stdout.WriteLine(Invariant($"pipeline replay: {path} with {rules.Rules.Count} rules from {rulesPath} (version {rules.Version})"));
        var options = CliPipeline.Options(rulesPath, environment);
        options.Alerts.Kinds.Add(AlertSinkKind.Jsonl);
        options.Alerts.Path = output;
        options.Alerts.Append = false;
        options.DeadLetters.Kind = DeadLetterKind.Jsonl;
        options.DeadLetters.Path = deadLetterPath;
        var run = new LocalRunOptions { Partitions = partitions, Front = print ? new ConsoleAlertSink(io.Stdout, io.Color) : null };
        await using var pipeline = await CliPipeline.CreateAsync(rules, options, run, io, cancellationToken).ConfigureAwait(false);
        var ingress = pipeline.Ingress;
        var progress = io.Context.StderrIsTerminal ? new ProgressBar(io.Stderr, stream.Length) : null;

        var reader = new LineReader(stream);
        var replay = new EventTimeReplay(ingress, "file", io.Context.Time.GetUtcNow)
        {
            Flushed = () => progress?.Report(reader.Position, ingress.Totals().Events.Received),
        };
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (!LineInput.IsBlank(line))
            {
                var (decoded, rejected) = LineInput.Decode(ingress, [line]);
                await replay.AddAsync(decoded, rejected, cancellationToken).ConfigureAwait(false);
            }
        }

        // The end of the file: process what is left at the stream's own time, and no further.
        await replay.FlushAsync(cancellationToken).ConfigureAwait(false);
        progress?.Complete();
        Summary.Write(io.Stdout, ingress.Totals(), stopwatch.Elapsed, ingress.PendingAlerts, stateIsDurable: false,
            pipeline.DeadLettersWritten > 0 ? deadLetterPath : null);
        io.Stdout.WriteLine();
        io.Stdout.WriteLine(Invariant($"{pipeline.Delivered.Count} alert CloudEvents written to {output}."));
        return 0;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
