namespace Pipeline.Cli.Tests.EventHubs;

public sealed class HubOptionsTests
{
    [Fact]
    public async Task A_connection_string_other_than_the_emulators_is_refused()
    {
        var result = await CliRunner.RunAsync("simulate", "--to", "eventhubs", "--eventhubs-connection", "Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=abc");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("pipeline: --eventhubs-connection takes only the emulator's development connection string", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hub_source_refuses_an_unknown_first_start()
    {
        var result = await CliRunner.RunAsync("run", "--source", "eventhubs", "--namespace", "ns", "--from", "yesterday");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("pipeline: --from: 'yesterday' is not earliest, latest or a time like 2026-01-01T00:00:00Z\n", result.Stderr.ReplaceLineEndings("\n"));
    }
}
