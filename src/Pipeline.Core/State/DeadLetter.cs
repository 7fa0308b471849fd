using Pipeline.Core.Events;

namespace Pipeline.Core.State;

/// <summary>Why an event was set aside instead of applied.</summary>
public enum DeadLetterReason
{
    /// <summary>The body is not valid telemetry; <see cref="DeadLetter.Detail"/> names the <see cref="DecodeError"/>.</summary>
    Malformed,

    /// <summary>Older than watermark − allowed lateness under the <c>DeadLetter</c> late policy.</summary>
    Late,

    /// <summary>Further ahead of its arrival time than <c>maxFutureSkew</c>.</summary>
    FutureTimestamp,
}

/// <summary>An event kept with its raw bytes so nothing accepted is lost.</summary>
public sealed record DeadLetter(
    string Id,
    ReadOnlyMemory<byte> Body,
    SourcePosition Source,
    DeadLetterReason Reason,
    string Detail,
    DateTimeOffset RecordedAt)
{
    /// <summary>A stable id: the same source position and body always give the same id, so redelivery does not duplicate.</summary>
    public static string CreateId(SourcePosition source, ReadOnlySpan<byte> body) =>
        Hashing.StableId("dl", source.Partition, source.SequenceNumber.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(body)));
}
