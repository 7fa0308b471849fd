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

    /// <summary>
    /// The raw body of a whole invocation the Function App could not read (not JSON, or not the host's shape); its
    /// events cannot be told apart, so the body is kept as it came.
    /// </summary>
    UnreadableInvocation,

    /// <summary>An event of a batch that still failed on the last try its retry policy allows.</summary>
    RetriesExhausted,

    /// <summary>
    /// An alert that waited undelivered while its key's outbox reached its bound; the body is the alert's CloudEvent,
    /// to deliver by hand or replay.
    /// </summary>
    OutboxFull,
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
    /// <summary>
    /// An id per occurrence: the same source position (partition, sequence number and enqueued time) and body always give
    /// the same id, so a redelivered event is not kept twice. The enqueued time is part of it because a sequence number
    /// alone is not unique over time: a local run numbers its sources from 0 again, and each run's arrival time differs.
    /// </summary>
    public static string CreateId(SourcePosition source, ReadOnlySpan<byte> body) =>
        Hashing.StableId("dl", source.Partition, source.SequenceNumber.ToString(System.Globalization.CultureInfo.InvariantCulture),
            source.EnqueuedTime.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(body)));
}
