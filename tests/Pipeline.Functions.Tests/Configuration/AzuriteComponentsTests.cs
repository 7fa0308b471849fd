using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;
using Pipeline.Azure;
using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Hosting;

namespace Pipeline.Functions.Tests.Configuration;

/// <summary>The handler configured the way Azure runs it (Tables, Blob), against Azurite instead of a storage account.</summary>
[Collection(AzuriteTests.Name)]
public sealed class AzuriteComponentsTests(AzuriteFixture azurite) : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("pipeline-azurite-settings-");

    public void Dispose() => _folder.Delete(recursive: true);

    private Task<PipelineComponents> CreateAsync(params (string Key, string Value)[] extra) =>
        PipelineComponentsFactory.CreateAsync(Options(extra), TimeProvider.System, CancellationToken.None);

    private PipelineOptions Options(params (string Key, string Value)[] extra)
    {
        var rules = Path.Combine(_folder.FullName, "rules.yaml");
        File.WriteAllText(rules, TestHandler.HotRules);
        var options = PipelineConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipeline:Environment"] = "azurite",
            ["Pipeline:State:Kind"] = "tables",
            ["Pipeline:DeadLetters:Kind"] = "tables",
            ["Pipeline:Rules:Kind"] = "blob",
            ["Pipeline:Alerts:Kind"] = "memory",
            ["Pipeline:Rules:Path"] = rules,
            ["Pipeline:Storage:ConnectionString"] = azurite.ConnectionString,
        }.Concat(extra.Select(e => new KeyValuePair<string, string?>(e.Key, e.Value)))).Build());
        return options;
    }

    private static async Task<JsonElement> GetAsync(TestHandler handler, string path)
    {
        using var response = await handler.Client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }

    [AzuriteFact]
    public async Task A_local_run_with_its_metric_history_in_tables_starts_by_removing_devices_past_their_retention()
    {
        var now = new DateTimeOffset(2026, 3, 20, 8, 0, 0, TimeSpan.Zero);
        var table = TestData.UniqueName("history");
        var earlier = new TableMetricHistory(azurite.CreateTableServiceClient(), new TableMetricHistoryOptions { Table = table, FlushInterval = TimeSpan.Zero });
        await earlier.EnsureCreatedAsync();
        earlier.Record([
            new Pipeline.Core.Events.Telemetry("retired", now - TimeSpan.FromDays(15), new Dictionary<string, double> { ["temperature"] = 1 }),
            new Pipeline.Core.Events.Telemetry("active", now - TimeSpan.FromDays(13), new Dictionary<string, double> { ["temperature"] = 2 }),
        ]);
        await earlier.DisposeAsync();                      // an earlier run: shutting down flushes both rows

        var options = Options(("Pipeline:MetricHistory:Kind", "tables"), ("Pipeline:MetricHistory:Table", table),
            ("Pipeline:MetricHistory:FlushInterval", "00:00:00"));
        await using var components = await LocalPipeline.CreateComponentsAsync(options, new FakeTimeProvider(now), httpHandler: null, CancellationToken.None);

        // The default 14 days, against the run's clock: the device last seen 15 days ago is gone.
        Assert.Equal(["active"], (await components.MetricHistory.ListAsync()).Select(d => d.Key));
    }

    [AzuriteFact]
    public async Task State_dead_letters_history_and_rules_live_in_storage_and_a_new_instance_finds_them()
    {
        string warmVersion;
        await using (var first = await TestHandler.StartAsync(await CreateAsync()))
        {
            foreach (var payload in new[] { "ingest-string-arrays.json", "ingest-malformed.json" })
            {
                using var ingest = await first.InvokeAsync("Ingest", TestHandler.ReadPayload(payload));
                Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
            }

            using var put = await first.Client.PutAsync(new Uri("/api/rules", UriKind.Relative), new StringContent(
                """{"defaults":{"outOfOrderTolerance":"0s"},"rules":[{"id":"warm","metric":"temperature","when":"> 71"}]}""",
                Encoding.UTF8, new MediaTypeHeaderValue("application/json")));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            using var accepted = JsonDocument.Parse(await put.Content.ReadAsStringAsync());
            warmVersion = accepted.RootElement.GetProperty("version").GetString()!;
        }

        // A new instance (new clients, empty caches): everything comes back from Tables and Blob storage.
        await using var second = await TestHandler.StartAsync(await CreateAsync());

        var rules = await GetAsync(second, "/api/rules");
        Assert.Equal(warmVersion, rules.GetProperty("version").GetString());
        Assert.Equal(["warm"], rules.GetProperty("rules").EnumerateArray().Select(r => r.GetString()));

        var device = await GetAsync(second, "/api/devices/chiller-2");
        Assert.Equal(86.5, device.GetProperty("lastValues").GetProperty("temperature").GetDouble());

        var alerts = await GetAsync(second, "/api/alerts?status=all");
        var alert = Assert.Single(alerts.GetProperty("alerts").EnumerateArray());
        Assert.Equal("devices/chiller-2/rules/hot", alert.GetProperty("subject").GetString());
        Assert.Equal("/pipeline/azurite/rules/hot", alert.GetProperty("source").GetString());

        var letters = await second.Components.DeadLetters.QueryAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 100);
        Assert.Equal([501L, 502L, 503L, 504L], letters.Select(d => d.Source.SequenceNumber).Order());
    }

    [AzuriteFact]
    public async Task With_the_metric_history_in_a_table_an_instance_that_processed_nothing_lists_the_other_instances_devices()
    {
        var table = Pipeline.Conformance.TestData.UniqueName("history");
        (string, string)[] history = [("Pipeline:MetricHistory:Kind", "tables"), ("Pipeline:MetricHistory:Table", table), ("Pipeline:MetricHistory:FlushInterval", "0")];
        await using var first = await TestHandler.StartAsync(await CreateAsync(history));
        await using var second = await TestHandler.StartAsync(await CreateAsync(history));
        using (var ingest = await first.InvokeAsync("Ingest", TestHandler.ReadPayload("ingest-string-arrays.json")))
        {
            Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
        }

        var metricHistory = Assert.IsType<Pipeline.Azure.TableMetricHistory>(first.Components.MetricHistory);
        Assert.Equal(2, (await metricHistory.FlushAsync()).Devices); // what the timer does every FlushInterval

        var fleet = await GetAsync(second, "/api/devices");
        Assert.Equal(["chiller-1", "chiller-2"], fleet.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("id").GetString()).Order(StringComparer.Ordinal));
        var chart = await GetAsync(second, "/api/devices/chiller-2/history");
        var point = Assert.Single(chart.GetProperty("metrics").GetProperty("temperature").EnumerateArray());
        Assert.Equal(2, point.GetProperty("count").GetInt32());     // 85.0 and 86.5 in one minute
        Assert.Equal(85.75, point.GetProperty("mean").GetDouble());
        Assert.Equal("tables", (await GetAsync(second, "/api/health")).GetProperty("ports").GetProperty("metricHistory").GetString());
    }
}
