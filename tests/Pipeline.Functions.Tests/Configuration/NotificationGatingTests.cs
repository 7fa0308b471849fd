using Microsoft.Extensions.Time.Testing;
using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.RuleSets;
using Pipeline.Hosting;
using Pipeline.Local;

namespace Pipeline.Functions.Tests.Configuration;

/// <summary>
/// Silences and inhibitions through the real composition root (memory state, a JSON Lines sink, memory history): what
/// reaches the sink and what the history records, with the reason, on one timeline.
/// </summary>
public sealed class NotificationGatingTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private const string Rules = """
        defaults: { outOfOrderTolerance: 0s }
        rules:
          - { id: hot, metric: temperature, when: "> 80", clear: "< 75", severity: warning }
          - { id: power, metric: power, when: "< 1", severity: critical }
        inhibitions:
          - { source: power, minSeverity: critical, targets: [hot] }
        """;

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("pipeline-gating-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task A_silence_and_an_inhibition_keep_transitions_from_the_sink_and_the_history_records_them_with_the_reason()
    {
        var rulesPath = Path.Combine(_folder.FullName, "rules.yaml");
        var alertsPath = Path.Combine(_folder.FullName, "alerts.jsonl");
        await File.WriteAllTextAsync(rulesPath, Rules);
        var options = new PipelineOptions { Environment = "test" };
        options.Rules.Path = rulesPath;
        options.Alerts.Path = alertsPath;
        options.DeadLetters.Kind = DeadLetterKind.Memory;
        var components = await PipelineComponentsFactory.CreateAsync(options, new FakeTimeProvider(T0), CancellationToken.None);
        var processor = new PartitionProcessor(RuleSetLoader.Load(Rules).RuleSet!, components.State, components.Alerts, components.DeadLetters,
            new ProcessorOptions { Environment = "test" }, components.History);
        await components.Silences.AddAsync(new Silence
        {
            Id = "s1", RuleId = "hot", Device = "d1", StartsAt = T0.AddSeconds(5), EndsAt = T0.AddSeconds(25), Author = "ops",
        }, T0);
        var sequence = 0L;
        async Task SendAsync(int seconds, string metric, double value)
        {
            var at = T0.AddSeconds(seconds);
            await processor.ProcessAsync([new Pipeline.Core.Events.Telemetry("d1", at, new Dictionary<string, double> { [metric] = value }, null, new SourcePosition("0", ++sequence, at))], at);
        }

        await SendAsync(0, "temperature", 70);  // quiet
        await SendAsync(10, "temperature", 85); // hot fires inside the silence [5s, 25s): suppressed
        await SendAsync(20, "temperature", 70); // hot resolves: its episode began suppressed, so this is too
        await SendAsync(30, "temperature", 90); // hot fires after the silence: notified
        await SendAsync(40, "power", 0);        // power fires at critical: notified
        await SendAsync(50, "temperature", 70); // hot resolves: its episode was notified, so the resolve is sent
        await SendAsync(60, "temperature", 95); // hot fires while power is critical on d1: inhibited
        await SendAsync(70, "power", 5);        // power resolves: notified
        await SendAsync(80, "temperature", 70); // hot resolves: its episode began inhibited
        await components.DisposeAsync();

        Assert.Equal(
        [
            "Fired hot 30 ",
            "Fired power 40 ",
            "Resolved hot 50 ",
            "Resolved power 70 ",
        ], (await JsonLinesAlertSink.ReadAllAsync(alertsPath)).Select(Line));
        Assert.Equal(
        [
            "Fired hot 10 silence s1",
            "Resolved hot 20 episode began suppressed: silence s1",
            "Fired hot 30 ",
            "Fired power 40 ",
            "Resolved hot 50 ",
            "Fired hot 60 inhibited by power on d1",
            "Resolved power 70 ",
            "Resolved hot 80 episode began suppressed: inhibited by power on d1",
        ], (await components.History.QueryAsync(new AlertQuery(FiringOnly: false, Since: null))).Reverse().Select(Line));
    }

    private static string Line(AlertEvent a) =>
        $"{a.Kind} {a.Data.RuleId} {(a.Time - T0).TotalSeconds} {a.Data.SuppressedBy}";
}
