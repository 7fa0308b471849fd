using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Pipeline.Core.Events;
using Pipeline.Hosting;
using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary>
/// <c>pipeline replay FILE</c>: the rules over a recorded JSON Lines file, as fast as possible. Processing time is the
/// largest event time read so far, so heartbeats, <c>for</c> and windows fire as they would have live; the end of the
/// file is not time passing, so nothing is swept into a future the recording never reached.
/// </summary>
internal static class ReplayCommand
{
    /// <summary>A batch spans at most this much stream time, so processing time steps like a live run's sweeps.</summary>
    private static readonly TimeSpan BatchSpan = TimeSpan.FromSeconds(1);

    private const int MaxBatch = 4096;

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
        var sinks = new SinkSettings(Console: print, [AlertSinkKind.Jsonl], output, AppendJsonLines: false, null, 1, TimeSpan.Zero, null, null);
        await using var pipeline = await LocalPipeline.CreateAsync(rules, rulesPath, partitions, new StateSettings(StateKind.Memory, null, null, null, "clistate"), sinks,
            deadLetterPath, environment, parallel: false, io, cancellationToken).ConfigureAwait(false);
        var ingress = pipeline.Ingress;
        var progress = io.Context.StderrIsTerminal ? new ProgressBar(io.Stderr, stream.Length) : null;

        var reader = new LineReader(stream);
        DateTimeOffset? streamTime = null;
        var good = new List<Telemetry>();
        var bad = new List<(ReadOnlyMemory<byte> Body, DecodeFailure Failure)>();
        DateTimeOffset? batchStart = null;
        var batchMax = DateTimeOffset.MinValue;

        async Task FlushAsync()
        {
            if (good.Count == 0 && bad.Count == 0)
            {
                return;
            }

            if (good.Count > 0 && (streamTime is null || batchMax > streamTime))
            {
                streamTime = batchMax;
            }

            // Before any event time is known, rejected lines are stamped with the wall clock: there is no stream time yet.
            var now = streamTime ?? io.Context.Time.GetUtcNow();
            await ingress.RejectAsync("file", [.. bad], now, cancellationToken).ConfigureAwait(false);
            await ingress.SubmitAsync([.. good], now, cancellationToken).ConfigureAwait(false);
            if (streamTime is not null)
            {
                await ingress.SweepAsync(now, cancellationToken).ConfigureAwait(false);
            }

            good.Clear();
            bad.Clear();
            batchStart = null;
            batchMax = DateTimeOffset.MinValue;
            progress?.Report(reader.Position, ingress.Totals().Events.Received);
        }

        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (LineSource.IsBlank(line))
            {
                continue;
            }

            var (decoded, rejected) = LineSource.Decode(ingress, [line]);
            bad.AddRange(rejected);
            if (decoded.Count == 1)
            {
                var e = decoded[0];
                var time = e.Timestamp > (streamTime ?? DateTimeOffset.MinValue) ? e.Timestamp : streamTime!.Value;
                if (batchStart is { } first && (time - first > BatchSpan || good.Count >= MaxBatch))
                {
                    await FlushAsync().ConfigureAwait(false);
                }

                batchStart ??= time;
                good.Add(e);
                if (e.Timestamp > batchMax)
                {
                    batchMax = e.Timestamp;
                }
            }
            else if (bad.Count >= MaxBatch)
            {
                await FlushAsync().ConfigureAwait(false);
            }
        }

        // The end of the file: process what is left at the stream's own time, and no further.
        await FlushAsync().ConfigureAwait(false);
        progress?.Complete();
        Summary.Write(io.Stdout, ingress.Totals(), stopwatch.Elapsed, ingress.PendingAlerts, stateIsDurable: false,
            pipeline.DeadLettersWritten > 0 ? deadLetterPath : null);
        io.Stdout.WriteLine();
        io.Stdout.WriteLine(Invariant($"{pipeline.Delivered.Count} alert CloudEvents written to {output}."));
        return 0;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
