using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;
using Pipeline.Core.State;
using Pipeline.Hosting;

namespace Pipeline.Functions.Tests.Api;

/// <summary>
/// Issue 16: a rule set replaced at run time (<c>PUT /api/rules</c>, or rules another instance stored) brings its
/// inhibitions with it; both are validated together and a bad inhibitions section keeps the running ones in place.
/// </summary>
public sealed class RuleReloadInhibitionTests
{
    private const string Plain = """
        defaults: { outOfOrderTolerance: 0s }
        rules:
          - { id: hot, metric: temperature, when: "> 80", clear: "< 75", severity: warning }
          - { id: power, metric: power, when: "< 1", severity: critical }
        """;

    private const string Inhibiting = Plain + """

        inhibitions:
          - { source: power, minSeverity: critical, targets: [hot] }
        """;

    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    private sealed record Run(TestHandler Handler, MemoryAlertSink Sink, FakeTimeProvider Time, MemoryRuleStore Rules) : IAsyncDisposable
    {
        private long _sequence;

        public List<string> Sent => [.. Sink.Published.Select(a => $"{a.Kind} {a.Data.RuleId} {a.Data.Key}")];

        /// <summary>One Ingest invocation carrying one reading of one metric.</summary>
        public async Task SendAsync(int seconds, string metric, double value)
        {
            var at = T0.AddSeconds(seconds);
            var reading = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["deviceId"] = "d1",
                ["ts"] = at.ToString("O", CultureInfo.InvariantCulture),
                [metric] = value,
            });
            var payload = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["Data"] = new Dictionary<string, string> { ["events"] = JsonSerializer.Serialize(new[] { reading }) },
                ["Metadata"] = new Dictionary<string, object>
                {
                    ["PartitionContext"] = new Dictionary<string, string> { ["PartitionId"] = "0" },
                    ["SequenceNumberArray"] = JsonSerializer.Serialize(new[] { ++_sequence }),
                    ["EnqueuedTimeUtcArray"] = JsonSerializer.Serialize(new[] { at.UtcDateTime.ToString("s", CultureInfo.InvariantCulture) }),
                    ["sys"] = new Dictionary<string, string> { ["MethodName"] = "Ingest", ["UtcNow"] = at.ToString("O", CultureInfo.InvariantCulture) },
                },
            });
            using var response = await Handler.InvokeAsync("Ingest", payload);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        public async Task<(HttpStatusCode Status, JsonElement Body)> PutRulesAsync(string text)
        {
            using var content = new StringContent(text, Encoding.UTF8, new MediaTypeHeaderValue("application/yaml"));
            using var response = await Handler.Client.PutAsync(new Uri("/api/rules", UriKind.Relative), content);
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return (response.StatusCode, document.RootElement.Clone());
        }

        public ValueTask DisposeAsync() => Handler.DisposeAsync();
    }

    /// <summary>
    /// A handler whose sink and history sit behind the gate, as the composition root builds them, starting with
    /// <paramref name="defaultRules"/> (or <paramref name="stored"/> when the rule store already holds rules).
    /// </summary>
    private static async Task<Run> StartAsync(string defaultRules, string? stored = null, TimeSpan refresh = default)
    {
        var sink = new MemoryAlertSink();
        var gating = new NotificationGating(new MemorySilenceStore(), InhibitionsOf(defaultRules));
        var rules = new MemoryRuleStore();
        var time = new FakeTimeProvider(T0);
        if (stored is not null)
        {
            await rules.SetActiveAsync(new StoredRuleText(stored, StoredRuleText.Yaml, RuleSetLoader.Load(stored).RuleSet!.Version, T0));
        }

        var handler = await TestHandler.StartAsync(new PipelineComponents
        {
            State = new MemoryStateStore(),
            Alerts = gating.Wrap(sink),
            DeadLetters = new MemoryDeadLetterStore(),
            History = gating.Wrap(new MemoryAlertHistory()),
            Rules = rules,
            Notifications = gating,
            DefaultRulesText = defaultRules,
            Environment = "test",
            RulesRefreshInterval = refresh,
        }, time);
        return new Run(handler, sink, time, rules);
    }

    /// <summary>The composition root's start: the default rule file's inhibitions.</summary>
    private static IReadOnlyList<InhibitionRule> InhibitionsOf(string rules)
    {
        var (inhibitions, errors) = InhibitionReader.Read(rules, [.. RuleSetLoader.Load(rules).RuleSet!.Rules.Select(r => r.Id)]);
        Assert.Empty(errors);
        return inhibitions;
    }

    [Fact]
    public async Task A_rule_set_put_at_run_time_brings_its_inhibitions()
    {
        await using var run = await StartAsync(Plain);

        var (status, _) = await run.PutRulesAsync(Inhibiting);
        await run.SendAsync(0, "power", 0);         // power fires (critical): sent
        await run.SendAsync(1, "temperature", 85);  // hot fires while power is critical: inhibited by the new rule set

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["Fired power d1"], run.Sent);
    }

    [Fact]
    public async Task A_rule_set_put_without_inhibitions_ends_the_old_ones()
    {
        await using var run = await StartAsync(Inhibiting);

        await run.PutRulesAsync(Plain);
        await run.SendAsync(0, "power", 0);         // power fires: sent
        await run.SendAsync(1, "temperature", 85);  // hot fires: no inhibition any more, sent

        Assert.Equal(["Fired power d1", "Fired hot d1"], run.Sent);
    }

    [Fact]
    public async Task A_put_whose_inhibitions_name_a_rule_the_set_no_longer_has_is_400_and_the_running_rules_and_inhibitions_stay()
    {
        await using var run = await StartAsync(Inhibiting);
        const string withoutPower = """
            defaults: { outOfOrderTolerance: 0s }
            rules:
              - { id: hot, metric: temperature, when: "> 90", clear: "< 75", severity: warning }
            inhibitions:
              - { source: power, minSeverity: critical, targets: [hot] }
            """;

        var (status, body) = await run.PutRulesAsync(withoutPower);
        await run.SendAsync(0, "power", 0);         // power still exists and fires: sent
        await run.SendAsync(1, "temperature", 85);  // hot (> 80, the running rule) fires: still inhibited by power

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal("inhibitions[0].source", error.GetProperty("field").GetString());
        Assert.Equal("unknown rule 'power'", error.GetProperty("message").GetString());
        Assert.Equal(RuleSetLoader.Load(Inhibiting).RuleSet!.Version, body.GetProperty("activeVersion").GetString());
        Assert.Equal(["Fired power d1"], run.Sent);
    }

    [Fact]
    public async Task At_start_the_inhibitions_are_those_of_the_stored_rules_not_of_the_default_file()
    {
        await using var run = await StartAsync(Plain, stored: Inhibiting);

        await run.SendAsync(0, "power", 0);         // power fires: sent
        await run.SendAsync(1, "temperature", 85);  // hot fires: inhibited by the stored rule set

        Assert.Equal(["Fired power d1"], run.Sent);
    }

    [Fact]
    public async Task Inhibitions_another_instance_stored_are_picked_up_with_its_rules_at_the_next_refresh()
    {
        await using var run = await StartAsync(Plain, refresh: TimeSpan.FromSeconds(30));
        await run.SendAsync(0, "temperature", 70);  // quiet: the pipeline has started with the plain rules

        // Another instance stores the same rules with an inhibitions section only; then the refresh interval passes.
        await run.Rules.SetActiveAsync(new StoredRuleText(Inhibiting, StoredRuleText.Yaml, RuleSetLoader.Load(Inhibiting).RuleSet!.Version, T0));
        run.Time.Advance(TimeSpan.FromSeconds(31));
        await run.SendAsync(1, "power", 0);         // power fires: sent
        await run.SendAsync(2, "temperature", 85);  // hot fires: inhibited by the stored rule set

        Assert.NotEqual(RuleSetLoader.Load(Plain).RuleSet!.Version, RuleSetLoader.Load(Inhibiting).RuleSet!.Version);
        Assert.Equal(["Fired power d1"], run.Sent);
    }
}
