using Azure.Messaging.EventHubs.Consumer;
using Pipeline.Azure.EventHubs;
using Pipeline.Core.Processing;
using Pipeline.Core.State;

namespace Pipeline.Cli.EventHubs;

/// <summary>
/// Feeds a live run from a hub (Pipeline.Azure's <see cref="HubFeed"/>); positions are saved after each batch beside
/// the state (a table NAMEpositions with <c>--state tables</c>, else in memory, so a restart starts at <c>--from</c>
/// again, as its state does).
/// </summary>
internal static class HubSource
{
    public static EventPosition FirstStart(string from) => HubFeed.ParseFirstStart(from)
        ?? throw new UserErrorException($"--from: '{from}' is not earliest, latest or a time like 2026-01-01T00:00:00Z");

    public static Task FeedAsync(HubConnection hub, string consumerGroup, string from, IPositionStore positions, PartitionedProcessor ingress, IRunClock clock,
        TextWriter stdout, CancellationToken cancellationToken)
    {
        stdout.WriteLine($"  reading hub '{hub.Hub}' in {hub.Where}, consumer group '{consumerGroup}', first start at {from}");
        return HubFlags.RunAsync(hub, HubConnection.ReceiverRole, () =>
            HubFeed.ReadAsync(hub, consumerGroup, FirstStart(from), positions, ingress, () => clock.Now, cancellationToken));
    }
}
