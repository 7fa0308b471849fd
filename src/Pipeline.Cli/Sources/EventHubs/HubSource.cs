using System.CommandLine;
using System.Globalization;
using Azure.Messaging.EventHubs.Consumer;
using Pipeline.Azure;
using Pipeline.Azure.EventHubs;
using Pipeline.Core.Events;
using Pipeline.Core.Processing;
using Pipeline.Core.State;
using Pipeline.Hosting;

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
/// Feeds a live run from a hub: every partition read through the consumer group, each batch decoded (IoT Hub's device
/// id stands in for a body without one) and submitted; positions are saved after each batch beside the state (a table
/// NAMEpositions with <c>--state tables</c>, else in memory, so a restart starts at <c>--from</c> again, as its state does).
/// </summary>
internal static class HubSource
{
    public static EventPosition FirstStart(string from) => from switch
    {
        "earliest" => EventPosition.Earliest,
        "latest" => EventPosition.Latest,
        _ when DateTimeOffset.TryParse(from, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            => EventPosition.FromEnqueuedTime(time),
        _ => throw new UserErrorException($"--from: '{from}' is not earliest, latest or a time like 2026-01-01T00:00:00Z"),
    };

    public static IPositionStore CreatePositionStore(StateSettings state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Kind != StateKind.Tables)
        {
            return new MemoryPositionStore();
        }

        var options = state.TablesConnection is { } connection
            ? new TableStorageOptions { ConnectionString = connection, MaxRetries = 3, MaxRetryDelay = TimeSpan.FromSeconds(2) }
            : new TableStorageOptions { TableServiceUri = state.TablesUri, Credential = AzureCredentials.Create(state.ClientId), MaxRetries = 3, MaxRetryDelay = TimeSpan.FromSeconds(2) };
        return new TablePositionStore(options.CreateTableServiceClient(), state.StateTable + "positions");
    }

    public static async Task FeedAsync(HubSourceSettings settings, IPositionStore positions, PartitionedProcessor ingress, IRunClock clock, TextWriter stdout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var hub = settings.Hub;
        var consumer = hub.CreateConsumer(settings.ConsumerGroup);
        await using var consumerScope = consumer.ConfigureAwait(false);
        var stream = HubReader.StreamName(hub.Namespace ?? "emulator", hub.Hub, settings.ConsumerGroup);
        var reader = new HubReader(consumer, positions, stream, FirstStart(settings.From));
        var decoder = new TelemetryDecoder();
        var decoderLock = new Lock();
        stdout.WriteLine($"  reading hub '{hub.Hub}' in {hub.Where}, consumer group '{settings.ConsumerGroup}', first start at {settings.From}");
        try
        {
            await reader.ReadAsync(async (partition, events, ct) =>
            {
                var good = new List<Telemetry>(events.Count);
                var bad = new List<(ReadOnlyMemory<byte>, DecodeFailure)>();
                lock (decoderLock)
                {
                    foreach (var raw in events)
                    {
                        if (decoder.TryDecode(raw, out var telemetry, out var failure))
                        {
                            good.Add(telemetry);
                        }
                        else
                        {
                            // The hub position in the reason lets the event be found again in the hub.
                            bad.Add((raw.Body, failure with { Detail = string.Create(CultureInfo.InvariantCulture,
                                $"partition {partition} sequence number {raw.Source.SequenceNumber}: {failure.Detail}") }));
                        }
                    }
                }

                await ingress.RejectAsync("eventhubs:" + partition, bad, clock.Now, ct).ConfigureAwait(false);
                await ingress.SubmitAsync(good, clock.Now, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (hub.Explain(ex, HubConnection.ReceiverRole) is { } userError)
        {
            throw userError;
        }
    }
}
