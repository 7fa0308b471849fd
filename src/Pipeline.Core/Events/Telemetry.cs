namespace Pipeline.Core.Events;

/// <summary>One decoded telemetry event for one key (device).</summary>
public sealed class Telemetry
{
    private static readonly IReadOnlyDictionary<string, string> s_noLabels = new Dictionary<string, string>(StringComparer.Ordinal);

    public Telemetry(string key, DateTimeOffset timestamp, IReadOnlyDictionary<string, double> metrics,
        IReadOnlyDictionary<string, string>? labels = null, SourcePosition source = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(metrics);
        Key = key;
        Timestamp = timestamp.ToUniversalTime();
        Metrics = metrics;
        Labels = labels ?? s_noLabels;
        Source = source.Partition is null ? SourcePosition.None : source;
    }

    /// <summary>The device id: the grouping key.</summary>
    public string Key { get; }

    /// <summary>Event time (UTC), as stamped by the device.</summary>
    public DateTimeOffset Timestamp { get; }

    public IReadOnlyDictionary<string, double> Metrics { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    public SourcePosition Source { get; }

    /// <summary>The body this event was decoded from, if any: dead letters keep the raw bytes.</summary>
    public ReadOnlyMemory<byte> RawBody { get; init; }

    /// <summary>A copy of this event with another timestamp (the <c>Adjust</c> late policy).</summary>
    public Telemetry WithTimestamp(DateTimeOffset timestamp) => new(Key, timestamp, Metrics, Labels, Source) { RawBody = RawBody };
}
