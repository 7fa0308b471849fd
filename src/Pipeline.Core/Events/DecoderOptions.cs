namespace Pipeline.Core.Events;

/// <summary>Limits the telemetry decoder enforces so one hostile or broken body cannot blow up state or memory.</summary>
public sealed record DecoderOptions
{
    public static DecoderOptions Default { get; } = new();

    /// <summary>Bodies longer than this are rejected as <see cref="DecodeError.TooLarge"/>.</summary>
    public int MaxBodyBytes { get; init; } = 64 * 1024;

    /// <summary>More distinct metrics than this is <see cref="DecodeError.TooLarge"/>.</summary>
    public int MaxMetrics { get; init; } = 64;

    /// <summary>More labels than this is <see cref="DecodeError.InvalidLabels"/>.</summary>
    public int MaxLabels { get; init; } = 32;

    /// <summary>Longest device id, metric name, label name or label value, in UTF-16 characters.</summary>
    public int MaxKeyLength { get; init; } = 256;

    /// <summary>
    /// Limits of the stores the key is kept in, checked when an event is decoded: a key one store cannot hold is
    /// rejected as <see cref="DecodeError.KeyTooLong"/> here rather than failing the whole batch when it is written.
    /// </summary>
    public IReadOnlyList<IKeyLimit> KeyLimits { get; init; } = [];
}
