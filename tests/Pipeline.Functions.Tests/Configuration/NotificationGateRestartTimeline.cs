using Pipeline.Azure;
using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;
using Pipeline.Core.State;
using Pipeline.Hosting;

namespace Pipeline.Functions.Tests.Configuration;

/// <summary>
/// Issue 16: the gate's decisions survive a restart (or another instance taking the partition over). Each timeline
/// runs a processor and a gate, then a new processor and a new gate over the same state, silences and alert history,
/// as a restarted process does; what reaches the sinks and what the history records are checked. Derived once per
/// alert history.
/// </summary>
public abstract class NotificationGateRestartTimeline
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

    /// <summary>A new, empty alert history; the same instance serves both processes, as a stored one does.</summary>
    protected abstract Task<IAlertHistory> CreateHistoryAsync();

    /// <summary>The stores a process finds when it starts, and what its sinks received.</summary>
    private sealed class Stores(IAlertHistory history)
    {
        private long _sequence;

        public RuleSet RuleSet { get; } = RuleSetLoader.Load(Rules).RuleSet!;

        public IStateStore State { get; } = new MemoryStateStore();

        public MemorySilenceStore Silences { get; } = new();

        public IAlertHistory History { get; } = history;

        public List<string> Sent { get; } = [];

        public Process Start() => new(this);

        public SourcePosition Next(DateTimeOffset at) => new("0", ++_sequence, at);
    }

    /// <summary>One process: its own gate (with an empty memory) and processor over the shared stores.</summary>
    private sealed class Process : IDisposable
    {
        private readonly Stores _stores;
        private readonly PartitionProcessor _processor;
        private readonly RecordingSink _sink;

        public Process(Stores stores)
        {
            _stores = stores;
            _sink = new RecordingSink(stores.Sent);
            var gating = new NotificationGating(stores.Silences, stores.RuleSet.Inhibitions);
            _processor = new PartitionProcessor(stores.RuleSet, stores.State, gating.Wrap(_sink), new MemoryDeadLetterStore(),
                new ProcessorOptions { Environment = "test" }, gating.Wrap(stores.History));
        }

        public void Dispose() => _processor.Dispose();

        public async Task SendAsync(int seconds, string metric, double value)
        {
            var at = T0.AddSeconds(seconds);
            await _processor.ProcessAsync([new Pipeline.Core.Events.Telemetry("d1", at, new Dictionary<string, double> { [metric] = value }, null, _stores.Next(at))], at);
        }
    }

    private sealed class RecordingSink(List<string> sent) : IAlertSink
    {
        public Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
        {
            sent.AddRange(alerts.Select(a => $"{a.Kind} {a.Data.RuleId} {(a.Time - T0).TotalSeconds}"));
            return Task.CompletedTask;
        }
    }

    private static Silence SilenceOnHot(string id, int from, int to) => new()
    {
        Id = id, RuleId = "hot", Device = "d1", StartsAt = T0.AddSeconds(from), EndsAt = T0.AddSeconds(to), Author = "ops",
    };

    private static async Task<List<string>> RecordedAsync(Stores stores) =>
        [.. (await stores.History.QueryAsync(new AlertQuery(FiringOnly: false, Since: null))).Reverse()
            .Select(a => $"{a.Kind} {a.Data.RuleId} {(a.Time - T0).TotalSeconds} {a.Data.SuppressedBy}".TrimEnd())];

    [ConformanceFact]
    public async Task A_silenced_fire_then_a_restart_then_the_resolve_is_not_sent()
    {
        var stores = new Stores(await CreateHistoryAsync());
        await stores.Silences.AddAsync(SilenceOnHot("s1", 5, 25), T0);

        using var first = stores.Start();
        await first.SendAsync(0, "temperature", 70);   // quiet
        await first.SendAsync(10, "temperature", 85);  // hot fires inside s1 [5s, 25s): suppressed
        using var second = stores.Start();                  // restart: a new gate that never saw the fire
        await second.SendAsync(30, "temperature", 70); // hot resolves after s1 ended: its episode began silenced

        Assert.Empty(stores.Sent);
        Assert.Equal(
        [
            "Fired hot 10 silence s1",
            "Resolved hot 30 episode began suppressed: silence s1",
        ], await RecordedAsync(stores));
    }

    [ConformanceFact]
    public async Task An_inhibited_fire_then_a_restart_then_the_resolve_is_not_sent()
    {
        var stores = new Stores(await CreateHistoryAsync());

        using var first = stores.Start();
        await first.SendAsync(0, "power", 0);          // power fires at critical: sent
        await first.SendAsync(10, "temperature", 85);  // hot fires while power is critical on d1: inhibited
        await first.SendAsync(20, "power", 5);         // power resolves: sent
        using var second = stores.Start();                  // restart: a new gate that never saw hot's fire
        await second.SendAsync(30, "temperature", 70); // hot resolves: its episode began inhibited, so not sent

        Assert.Equal(["Fired power 0", "Resolved power 20"], stores.Sent);
        Assert.Equal(
        [
            "Fired power 0",
            "Fired hot 10 inhibited by power on d1",
            "Resolved power 20",
            "Resolved hot 30 episode began suppressed: inhibited by power on d1",
        ], await RecordedAsync(stores));
    }

    [ConformanceFact]
    public async Task A_source_firing_before_a_restart_still_inhibits_after_it()
    {
        var stores = new Stores(await CreateHistoryAsync());

        using var first = stores.Start();
        await first.SendAsync(0, "power", 0);          // power fires at critical on d1: sent
        using var second = stores.Start();                  // restart: a new gate that never saw power fire
        await second.SendAsync(10, "temperature", 85); // hot fires while power is still critical on d1: inhibited

        Assert.Equal(["Fired power 0"], stores.Sent);
        Assert.Equal(
        [
            "Fired power 0",
            "Fired hot 10 inhibited by power on d1",
        ], await RecordedAsync(stores));
    }

    [ConformanceFact]
    public async Task A_source_resolved_before_a_restart_does_not_inhibit_after_it()
    {
        var stores = new Stores(await CreateHistoryAsync());

        using var first = stores.Start();
        await first.SendAsync(0, "power", 0);          // power fires at critical on d1: sent
        await first.SendAsync(5, "power", 5);          // power resolves: sent
        using var second = stores.Start();                  // restart: a new gate over the same history
        await second.SendAsync(10, "temperature", 85); // hot fires, power no longer fires: sent

        Assert.Equal(["Fired power 0", "Resolved power 5", "Fired hot 10"], stores.Sent);
        Assert.Equal(["Fired power 0", "Resolved power 5", "Fired hot 10"], await RecordedAsync(stores));
    }

    [ConformanceFact]
    public async Task A_notified_fire_then_a_restart_then_the_resolve_is_sent_even_inside_a_silence_that_began_later()
    {
        var stores = new Stores(await CreateHistoryAsync());

        using var first = stores.Start();
        await first.SendAsync(10, "temperature", 85);  // hot fires, no silence: sent
        await stores.Silences.AddAsync(SilenceOnHot("s2", 15, 60), T0.AddSeconds(15));
        using var second = stores.Start();                  // restart: a new gate that never saw the fire
        await second.SendAsync(30, "temperature", 70); // hot resolves inside s2: the episode was notified, so sent

        Assert.Equal(["Fired hot 10", "Resolved hot 30"], stores.Sent);
        Assert.Equal(["Fired hot 10", "Resolved hot 30"], await RecordedAsync(stores));
    }
}

/// <summary>The restart timelines over the in-memory history (one history object outlives both gates).</summary>
public sealed class MemoryHistoryNotificationGateRestartTests : NotificationGateRestartTimeline
{
    protected override Task<IAlertHistory> CreateHistoryAsync() => Task.FromResult<IAlertHistory>(new MemoryAlertHistory());
}

/// <summary>The restart timelines over the Table history on Azurite, the Function App's.</summary>
[Collection(AzuriteTests.Name)]
[SkipWhenEnvironment(AzuriteFixture.SkipVariable, "1", "PIPELINE_SKIP_AZURITE=1")]
public sealed class TableHistoryNotificationGateRestartTests(AzuriteFixture azurite) : NotificationGateRestartTimeline
{
    protected override async Task<IAlertHistory> CreateHistoryAsync()
    {
        var history = new TableAlertHistory(azurite.CreateTableServiceClient(), TestData.UniqueName("alerts"), TestData.UniqueName("episodes"));
        await history.EnsureCreatedAsync();
        return history;
    }
}
