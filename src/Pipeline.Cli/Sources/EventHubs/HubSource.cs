using System.CommandLine;
using Azure.Messaging.EventHubs.Consumer;
using Pipeline.Azure.EventHubs;
using Pipeline.Core.Processing;
using Pipeline.Core.State;

namespace Pipeline.Cli.EventHubs;

/// <summary>What <c>run --source eventhubs</c> reads: the hub, the consumer group and where a first start begins.</summary>
internal sealed record HubSourceSettings(HubConnection Hub, string ConsumerGroup, string From);

/// <summary>The options of <c>run --source eventhubs</c>.</summary>
internal sealed class HubSourceOptions
{
    private readonly HubOptions _hub = new();
    private readonly Option<string?> _consumerGroup = CliOptions.Text("--consumer-group", "Consumer group for --source eventhubs (default local, which the infrastructure creates)", "NAME");
    private readonly Option<string?> _from = CliOptions.Text("--from", "Where --source eventhubs starts when no position is saved: earliest, latest (default) or a time like 2026-01-01T00:00:00Z", "WHERE");

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        _hub.AddTo(command);
        command.Options.Add(_consumerGroup);
        command.Options.Add(_from);
    }

    /// <summary>The settings when <c>eventhubs</c> is among the sources, else null.</summary>
    public HubSourceSettings? Read(ParseResult parse, IReadOnlyList<string> sources, string? clientId)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(sources);
        if (!sources.Contains("eventhubs"))
        {
            return null;
        }

        var from = parse.GetValue(_from) ?? "latest";
        _ = HubSource.FirstStart(from);
        return new HubSourceSettings(_hub.Read(parse, clientId), parse.GetValue(_consumerGroup) ?? "local", from);
    }
}

/// <summary>
/// Feeds a live run from a hub (Pipeline.Azure's <see cref="HubFeed"/>); positions are saved after each batch beside
/// the state (a table NAMEpositions with <c>--state tables</c>, else in memory, so a restart starts at <c>--from</c>
/// again, as its state does).
/// </summary>
internal static class HubSource
{
    public static EventPosition FirstStart(string from) => HubFeed.ParseFirstStart(from)
        ?? throw new UserErrorException($"--from: '{from}' is not earliest, latest or a time like 2026-01-01T00:00:00Z");

    public static Task FeedAsync(HubSourceSettings settings, IPositionStore positions, PartitionedProcessor ingress, IRunClock clock, TextWriter stdout, CancellationToken cancellationToken)
    {
        var hub = settings.Hub;
        stdout.WriteLine($"  reading hub '{hub.Hub}' in {hub.Where}, consumer group '{settings.ConsumerGroup}', first start at {settings.From}");
        return HubErrors.RunAsync(hub, HubConnection.ReceiverRole, () =>
            HubFeed.ReadAsync(hub, settings.ConsumerGroup, FirstStart(settings.From), positions, ingress, () => clock.Now, cancellationToken));
    }
}
