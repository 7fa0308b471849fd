namespace Pipeline.Core.Events;

/// <summary>Why a body is not valid telemetry. Every rejected body carries one.</summary>
public enum DecodeError
{
    None = 0,
    Empty,
    TooLarge,
    NotUtf8,
    NotJson,
    NotAnObject,
    MissingDeviceId,
    InvalidDeviceId,
    MissingTimestamp,
    InvalidTimestamp,
    NoNumericMetric,
    NonFiniteMetric,
    InvalidLabels,

    /// <summary>The key is longer than a store it must be kept in allows (<see cref="DecoderOptions.KeyLimits"/>).</summary>
    KeyTooLong,
}

/// <summary>A rejected body: the reason and a sentence naming what is wrong.</summary>
public readonly record struct DecodeFailure(DecodeError Error, string Detail)
{
    public override string ToString() => $"{Error}: {Detail}";
}
