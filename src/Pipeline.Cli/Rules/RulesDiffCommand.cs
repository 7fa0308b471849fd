using System.CommandLine;
using Pipeline.Core.Rules.Diff;
using Pipeline.Local;

namespace Pipeline.Cli.Rules;

/// <summary>
/// <c>pipeline rules diff OLD NEW --over RECORDING</c>: both rule sets over one recording, the episodes added, removed
/// and changed per rule and device. Exit 0 when there is no difference, 1 when there is, 2 on a usage or input error.
/// </summary>
internal static class RulesDiffCommand
{
    private sealed class Settings
    {
        public string Old { get; set; } = string.Empty;

        public string New { get; set; } = string.Empty;

        public string Over { get; set; } = string.Empty;

        public bool Json { get; set; }
    }

    public static Command Create(CliIo io) => new FlagTable<Settings>()
        .Argument("OLD", "The rule file in use", (s, v) => s.Old = v)
        .Argument("NEW", "The rule file proposed", (s, v) => s.New = v)
        .Text("--over", "Recorded telemetry, one JSON object per line (what 'pipeline replay' reads)", "RECORDING", (s, v) => s.Over = v,
            required: true)
        .Switch("--json", "Print the report as one JSON document", (s, v) => s.Json = v)
        .Command("diff", "Replay two rule files over a recording and report the alert episodes added, removed and changed", (s, ct) => RunAsync(io, s, ct));

    private static async Task<int> RunAsync(CliIo io, Settings s, CancellationToken cancellationToken)
    {
        var recording = s.Over;
        var (oldRules, _) = RulesFile.Load(s.Old);
        var (newRules, _) = RulesFile.Load(s.New);
        var records = RecordingReplay.Records(await InputFile.ReadAllBytesAsync(recording, "recording", cancellationToken).ConfigureAwait(false));
        var now = io.Context.Time.GetUtcNow();
        var before = await RecordingReplay.RunAsync(oldRules, records, now, cancellationToken).ConfigureAwait(false);
        var after = await RecordingReplay.RunAsync(newRules, records, now, cancellationToken).ConfigureAwait(false);
        var differences = EpisodeDiff.Compare(Episode.From(before.Transitions), Episode.From(after.Transitions));
        var summary = EpisodeDiff.Summarize(differences);
        if (s.Json)
        {
            io.Stdout.WriteLine(RuleDiffReport.ToJson(s.Old, s.New, recording, differences));
            return summary.HasDifferences ? 1 : 0;
        }

        io.Stdout.WriteLine(Text.Invariant($"rules diff: {s.Old} -> {s.New} over {recording} ({before.Totals.Events.Received} records)"));
        foreach (var d in differences.Where(d => d.Change != EpisodeChange.Unchanged))
        {
            io.Stdout.WriteLine(EpisodeDiff.Line(d));
        }

        io.Stdout.WriteLine(Text.Invariant($"{summary.Added} added, {summary.Removed} removed, {summary.Changed} changed, {summary.Unchanged} unchanged"));
        return summary.HasDifferences ? 1 : 0;
    }
}
