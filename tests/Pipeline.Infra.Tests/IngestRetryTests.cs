using System.Text.Json.Nodes;
using Pipeline.Infra.Tests.Support;

namespace Pipeline.Infra.Tests;

/// <summary>
/// Ingest/function.json's retry policy (issue 11, item 3): finite, so the Event Hubs trigger checkpoints past a batch that
/// keeps failing, and at least one retry, so the handler sees a RetryContext whose RetryCount reaches MaxRetryCount and
/// can dead-letter what is left on that last try. Strategies and fields as Microsoft Learn's "Azure Functions error
/// handling and retries" lists them for the Event Hubs trigger.
/// </summary>
public sealed class IngestRetryTests
{
    private static JsonNode Retry()
    {
        var function = JsonNode.Parse(File.ReadAllText(RepoPaths.Combine("functions", "Pipeline.Functions", "Ingest", "function.json")))!;
        Assert.Equal("eventHubTrigger", function["bindings"]!.AsArray().Single()!["type"]!.GetValue<string>());
        return function["retry"]!;
    }

    [Fact]
    public void Ingest_retries_a_bounded_number_of_times()
    {
        var count = Retry()["maxRetryCount"]!.GetValue<int>();

        // -1 would retry forever and stall the partition on a batch that can never succeed.
        Assert.InRange(count, 1, 10);
    }

    [Fact]
    public void The_delay_strategy_is_one_the_Event_Hubs_trigger_supports()
    {
        var retry = Retry();
        var strategy = retry["strategy"]!.GetValue<string>();

        Assert.True(strategy is "fixedDelay" or "exponentialBackoff", strategy);
        var intervals = strategy == "fixedDelay" ? new[] { "delayInterval" } : ["minimumInterval", "maximumInterval"];
        foreach (var name in intervals)
        {
            Assert.True(TimeSpan.TryParse(retry[name]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out var interval), name);
            Assert.True(interval > TimeSpan.Zero, name);
        }
    }
}
