using System.Text;
using Pipeline.Azure.Tests.Testing;
using Pipeline.Conformance;
using Pipeline.Core.Alerts;

namespace Pipeline.Cli.Tests.EventHubs;

/// <summary><c>alerts tail</c> against Azurite's queue service: both encodings Event Grid may use, printed as <c>run</c> prints alerts.</summary>
[Collection(AzuriteTests.Name)]
public sealed class AlertsTailTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 5, 0, TimeSpan.Zero);

    [AzuriteFact]
    public async Task Tail_with_delete_prints_plain_and_base64_alerts_in_time_order_and_empties_the_queue()
    {
        var name = "alert-log-" + Guid.NewGuid().ToString("N")[..12];
        var queue = azurite.CreateQueueClient(name);
        await queue.CreateAsync();
        var resolved = AlertSamples.Alert("a2", "e1", AlertTransitionKind.Resolved, 2, T0.AddMinutes(3));
        await queue.SendMessageAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(resolved.ToJson())));    // base64 of JSON
        await queue.SendMessageAsync(AlertSamples.Alert("a1", "e1", AlertTransitionKind.Fired, 1, T0).ToJson()); // plain JSON

        var result = await CliRunner.RunAsync("alerts", "tail", "--queue-connection", azurite.ConnectionString, "--queue", name, "--delete");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(
            "2026-01-01 00:05:00Z  FIRED      warning   overheat              chiller-17  avg(temperature) > 80 (value 81.5)\n" + // the plain JSON message
            "2026-01-01 00:08:00Z  RESOLVED   warning   overheat              chiller-17  after 0s\n",                              // the base64 one, later in time
            result.Stdout);
        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Tail_needs_one_queue()
    {
        var result = await CliRunner.RunAsync("alerts", "tail");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("pipeline: alerts tail needs exactly one of --queue-uri URI (Azure, signed in) or --queue-connection STRING (Azurite)\n", result.Stderr.ReplaceLineEndings("\n"));
    }
}
