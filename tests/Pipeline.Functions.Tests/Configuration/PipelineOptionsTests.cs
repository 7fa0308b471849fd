using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pipeline.Core.Alerts;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Core.Rules;
using Pipeline.Core.State;
using Pipeline.Hosting;
using Pipeline.Local;

namespace Pipeline.Functions.Tests.Configuration;

public sealed class PipelineOptionsTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("pipeline-settings-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static PipelineOptions Settings(params (string Key, string Value)[] values) =>
        PipelineConfiguration.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build());

    private string RulesFile()
    {
        var path = Path.Combine(_folder.FullName, "rules.yaml");
        File.WriteAllText(path, TestHandler.HotRules);
        return path;
    }

    [Fact]
    public void Settings_are_read_from_the_Pipeline_section_as_the_environment_gives_them()
    {
        // Pipeline__State__Kind in the environment is Pipeline:State:Kind in configuration.
        var settings = Settings(("Pipeline:Environment", "prod"), ("Pipeline:State:Kind", "Tables"),
            ("Pipeline:State:TableServiceUri", "https://acct.table.core.windows.net"), ("Pipeline:Alerts:Kind", "eventgrid"),
            ("Pipeline:Rules:RefreshSeconds", "5"), ("AZURE_CLIENT_ID", "1b4e0f7a-0000-4000-8000-000000000001"));

        Assert.Equal("prod", settings.Environment);
        Assert.Equal(StateKind.Tables, settings.State.Kind);
        Assert.Equal(new Uri("https://acct.table.core.windows.net"), settings.State.TableServiceUri);
        Assert.Equal([AlertSinkKind.EventGrid], settings.Alerts.Kinds);
        Assert.Equal(DeadLetterKind.Jsonl, settings.DeadLetters.Kind);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Rules.RefreshInterval);
        Assert.Equal("1b4e0f7a-0000-4000-8000-000000000001", settings.ClientId);
    }

    [Fact]
    public void Empty_settings_count_as_unset()
    {
        var settings = Settings(("Pipeline:Alerts:Kind", ""), ("Pipeline:Storage:ConnectionString", ""), ("Pipeline:ClientId", ""));

        Assert.Equal([AlertSinkKind.Jsonl], settings.Alerts.Kinds);
        Assert.Null(settings.Storage.ConnectionString);
        Assert.Null(settings.ClientId);
    }

    [Fact]
    public async Task Memory_and_json_lines_need_no_Azure()
    {
        var settings = Settings(("Pipeline:State:Kind", "memory"), ("Pipeline:Alerts:Kind", "jsonl"), ("Pipeline:DeadLetters:Kind", "jsonl"),
            ("Pipeline:Alerts:Path", Path.Combine(_folder.FullName, "a.jsonl")), ("Pipeline:DeadLetters:Path", Path.Combine(_folder.FullName, "d.jsonl")),
            ("Pipeline:Rules:Path", RulesFile()));

        await using var components = await PipelineComponentsFactory.CreateAsync(settings, TimeProvider.System, CancellationToken.None);

        Assert.IsType<MemoryStateStore>(components.State);
        Assert.IsType<MemoryAlertHistory>(Assert.IsType<NotificationGating.MarkingAlertHistory>(components.History).Inner);
        Assert.Equal(Path.Combine(_folder.FullName, "a.jsonl"), Assert.IsType<JsonLinesAlertSink>(Assert.IsType<NotificationGating.GatedAlertSink>(components.Alerts).Inner).Path);
        Assert.Equal(Path.Combine(_folder.FullName, "d.jsonl"), Assert.IsType<JsonLinesDeadLetterStore>(components.DeadLetters).Path);
        Assert.IsType<MemoryRuleStore>(components.Rules);
        Assert.Equal(TestHandler.HotRules, components.DefaultRulesText);
    }

    [Fact]
    public async Task Several_alert_kinds_fan_out()
    {
        var settings = Settings(("Pipeline:Alerts:Kind", "memory, jsonl"), ("Pipeline:Alerts:Path", Path.Combine(_folder.FullName, "a.jsonl")),
            ("Pipeline:DeadLetters:Kind", "memory"), ("Pipeline:Rules:Path", RulesFile()));

        await using var components = await PipelineComponentsFactory.CreateAsync(settings, TimeProvider.System, CancellationToken.None);

        var fanOut = Assert.IsType<FanOutAlertSink>(Assert.IsType<NotificationGating.GatedAlertSink>(components.Alerts).Inner);
        Assert.IsType<MemoryAlertSink>(fanOut.Sinks[0]);
        Assert.IsType<JsonLinesAlertSink>(fanOut.Sinks[1]);
    }

    [Theory]
    [InlineData("Pipeline:State:Kind", "cosmos", "Pipeline__State__Kind 'cosmos' is not one of: memory, tables.")]
    [InlineData("Pipeline:Alerts:Kind", "smtp", "Pipeline__Alerts__Kind 'smtp' is not one of: jsonl, memory, eventgrid, webhook.")]
    [InlineData("Pipeline:Rules:Kind", "git", "Pipeline__Rules__Kind 'git' is not one of: file, blob.")]
    public async Task Unknown_kinds_are_named_in_the_error(string key, string value, string message)
    {
        // Everything else local, so the only unknown kind is the one under test.
        var values = new Dictionary<string, string>
        {
            ["Pipeline:Alerts:Kind"] = "memory",
            ["Pipeline:DeadLetters:Kind"] = "memory",
            ["Pipeline:Rules:Path"] = RulesFile(),
            [key] = value,
        };
        var settings = Settings([.. values.Select(v => (v.Key, v.Value))]);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => PipelineComponentsFactory.CreateAsync(settings, TimeProvider.System, CancellationToken.None));

        Assert.Equal(message, ex.Message);
    }

    [Theory]
    [InlineData("Pipeline:NotificationGate:MaxOpenDecisions", "0", "Pipeline__NotificationGate__MaxOpenDecisions must be from 1 to 10000000, got 0.")]
    [InlineData("Pipeline:NotificationGate:ClosedDecisionsKept", "20000000", "Pipeline__NotificationGate__ClosedDecisionsKept must be from 1 to 10000000, got 20000000.")]
    [InlineData("Pipeline:NotificationGate:MaxSeededFiring", "0", "Pipeline__NotificationGate__MaxSeededFiring must be from 1 to 10000000, got 0.")]
    [InlineData("Pipeline:NotificationGate:MaxOpenDecisions", "many", "Pipeline__NotificationGate__MaxOpenDecisions must be a whole number, not 'many'.")]
    public void Notification_gate_bounds_out_of_range_are_named(string key, string value, string message)
    {
        var errors = PipelineConfiguration.Validate(Settings(("Pipeline:Alerts:Kind", "memory"), (key, value)));

        Assert.Equal([message], errors);
    }

    [Fact]
    public void The_notification_gate_bounds_are_read_with_the_default_for_the_one_not_set()
    {
        var settings = Settings(("Pipeline:NotificationGate:MaxOpenDecisions", "500"));

        Assert.Equal(new NotificationGateOptions { MaxOpenDecisions = 500, ClosedDecisionsKept = 10_000 }, settings.NotificationGate);
    }

    [Fact]
    public async Task Tables_without_an_endpoint_say_which_setting_is_missing()
    {
        var settings = Settings(("Pipeline:State:Kind", "tables"), ("Pipeline:Rules:Path", RulesFile()));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => PipelineComponentsFactory.CreateAsync(settings, TimeProvider.System, CancellationToken.None));

        Assert.StartsWith("Pipeline__State__TableServiceUri must be the storage account's table endpoint", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_metric_history_settings_are_read_with_defaults_for_those_not_set()
    {
        var defaults = Settings().MetricHistory;
        var settings = Settings(("Pipeline:MetricHistory:Kind", "tables"), ("Pipeline:MetricHistory:Table", "charts"),
            ("Pipeline:MetricHistory:FlushInterval", "00:01:00")).MetricHistory;

        Assert.Equal((MetricHistoryKind.Memory, "metrichistory", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(5)),
            (defaults.Kind, defaults.Table, defaults.FlushInterval, defaults.ListCacheDuration));
        Assert.Equal((MetricHistoryKind.Tables, "charts", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5)),
            (settings.Kind, settings.Table, settings.FlushInterval, settings.ListCacheDuration));
    }

    [Theory]
    [InlineData("Pipeline:MetricHistory:Kind", "redis", "Pipeline__MetricHistory__Kind 'redis' is not one of: memory, tables.")]
    [InlineData("Pipeline:MetricHistory:Kind", "tables", "Pipeline__MetricHistory__TableServiceUri must be the storage account's table endpoint (an absolute URI), not ''.")]
    [InlineData("Pipeline:MetricHistory:Table", "metric-history", "Pipeline__MetricHistory__Table must be a table name (3 to 63 letters and digits, starting with a letter), not 'metric-history'.")]
    [InlineData("Pipeline:MetricHistory:FlushInterval", "00:00:00.5", "Pipeline__MetricHistory__FlushInterval must be zero (no timer) or from 00:00:01 to 01:00:00, got 00:00:00.5000000.")]
    [InlineData("Pipeline:MetricHistory:FlushInterval", "soon", "Pipeline__MetricHistory__FlushInterval must be a duration like 30.00:00:00 (30 days), not 'soon'.")]
    [InlineData("Pipeline:MetricHistory:ListCacheDuration", "00:10:00", "Pipeline__MetricHistory__ListCacheDuration must be from 00:00:00 to 00:05:00, got 00:10:00.")]
    public void Metric_history_settings_out_of_range_are_named(string key, string value, string message)
    {
        var errors = PipelineConfiguration.Validate(Settings(("Pipeline:Alerts:Kind", "memory"), (key, value)));

        Assert.Equal([message], errors);
    }

    [Fact]
    public void The_metric_history_retention_is_read_defaults_to_14_days_and_under_an_hour_is_named()
    {
        Assert.Equal(TimeSpan.FromDays(14), Settings().Retention.MetricHistory);
        Assert.Equal(TimeSpan.FromDays(7), Settings(("Pipeline:Retention:MetricHistory", "7.00:00:00")).Retention.MetricHistory);

        var errors = PipelineConfiguration.Validate(Settings(("Pipeline:Alerts:Kind", "memory"), ("Pipeline:Retention:MetricHistory", "00:30:00")));

        Assert.Equal(["Pipeline:Retention:MetricHistory must be at least 1 hour (a duration like 30.00:00:00 for 30 days), got 00:30:00"], errors);
    }

    [Fact]
    public async Task A_missing_rule_file_is_named()
    {
        var missing = Path.Combine(_folder.FullName, "nope.yaml");
        var settings = Settings(("Pipeline:Rules:Path", missing));

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => PipelineComponentsFactory.CreateAsync(settings, TimeProvider.System, CancellationToken.None));

        Assert.Equal($"The rule file '{missing}' does not exist (Pipeline__Rules__Path).", ex.Message);
    }

    [Fact]
    public void The_registration_refuses_a_bad_setting_and_names_it()
    {
        var services = new ServiceCollection();
        services.AddPipeline(new ConfigurationBuilder()
            .AddInMemoryCollection([new("Pipeline:State:Kind", "foo"), new("Pipeline:Rules:RefreshSeconds", "soon")])
            .Build());
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PipelineOptions>>().Value);

        Assert.Equal(["Pipeline__State__Kind 'foo' is not one of: memory, tables.", "Pipeline__Rules__RefreshSeconds must be a number of seconds, not 'soon'."],
            ex.Failures);
    }
}
