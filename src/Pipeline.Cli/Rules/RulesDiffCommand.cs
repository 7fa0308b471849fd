using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pipeline.Core.Rules.Diff;

namespace Pipeline.Cli.Rules;

/// <summary>
/// <c>pipeline rules diff OLD NEW --over RECORDING</c>: both rule sets over one recording, the episodes added, removed
/// and changed per rule and device. Exit 0 when there is no difference, 1 when there is, 2 on a usage or input error.
/// </summary>
internal static class RulesDiffCommand
{
    public static Command Create(CliIo io)
    {
        var oldFile = new Argument<string>("OLD") { Description = "The rule file in use" };
        var newFile = new Argument<string>("NEW") { Description = "The rule file proposed" };
        var over = new Option<string>("--over") { Description = "Recorded telemetry, one JSON object per line (what 'pipeline replay' reads)", HelpName = "RECORDING", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the report as one JSON document" };
        var command = new Command("diff", "Replay two rule files over a recording and report the alert episodes added, removed and changed");
        command.Arguments.Add(oldFile);
        command.Arguments.Add(newFile);
        command.Options.Add(over);
        command.Options.Add(json);
        command.SetAction((parse, ct) => RunAsync(io, parse.GetValue(oldFile)!, parse.GetValue(newFile)!, parse.GetValue(over)!, parse.GetValue(json), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliIo io, string oldPath, string newPath, string recording, bool json, CancellationToken cancellationToken)
    {
        var (oldRules, _) = RulesFile.Load(oldPath);
        var (newRules, _) = RulesFile.Load(newPath);
        if (!File.Exists(recording))
        {
            throw new UserErrorException($"recording '{recording}' not found");
        }

        var records = Records(await File.ReadAllBytesAsync(recording, cancellationToken).ConfigureAwait(false));
        var now = io.Context.Time.GetUtcNow();
        var before = await RecordingReplay.RunAsync(oldRules, records, now, cancellationToken).ConfigureAwait(false);
        var after = await RecordingReplay.RunAsync(newRules, records, now, cancellationToken).ConfigureAwait(false);
        var differences = EpisodeDiff.Compare(Episode.From(before.Transitions), Episode.From(after.Transitions));
        var summary = EpisodeDiff.Summarize(differences);
        if (json)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                RuleDiffReport.WriteJson(writer, oldPath, newPath, recording, differences);
            }

            io.Stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        }
        else
        {
            io.Stdout.WriteLine(Invariant($"rules diff: {oldPath} -> {newPath} over {recording} ({before.Totals.Events.Received} records)"));
            foreach (var d in differences.Where(d => d.Change != EpisodeChange.Unchanged))
            {
                io.Stdout.WriteLine(EpisodeDiff.Line(d));
            }

            io.Stdout.WriteLine(Invariant($"{summary.Added} added, {summary.Removed} removed, {summary.Changed} changed, {summary.Unchanged} unchanged"));
        }

        return summary.HasDifferences ? 1 : 0;
    }

    /// <summary>The non-blank lines; both replays read the same bytes.</summary>
    private static List<ReadOnlyMemory<byte>> Records(byte[] bytes)
    {
        var records = new List<ReadOnlyMemory<byte>>();
        var start = 0;
        for (var i = 0; i <= bytes.Length; i++)
        {
            if (i == bytes.Length || bytes[i] == (byte)'\n')
            {
                var line = new ReadOnlyMemory<byte>(bytes, start, i - start);
                if (!line.Span.Trim(" \t\r"u8).IsEmpty)
                {
                    records.Add(line);
                }

                start = i + 1;
            }
        }

        return records;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
