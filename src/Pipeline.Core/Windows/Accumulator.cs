using Pipeline.Core.Rules;

namespace Pipeline.Core.Windows;

/// <summary>
/// Running aggregates of one window: count, sum, min, max, mean and variance (Welford, numerically stable),
/// first/last (for last and rate of change) and, when asked for, a bounded percentile digest.
/// Also the evidence behind the value: first/last sequence numbers and the partition.
/// </summary>
public sealed class Accumulator
{
    private double _mean;
    private double _m2;

    public Accumulator(bool withPercentiles)
    {
        Digest = withPercentiles ? new PercentileDigest() : null;
    }

    public long Count { get; private set; }
    public double Sum { get; private set; }
    public double Min { get; private set; } = double.PositiveInfinity;
    public double Max { get; private set; } = double.NegativeInfinity;
    public long FirstTicks { get; private set; } = long.MaxValue;
    public double FirstValue { get; private set; }
    public long LastTicks { get; private set; } = long.MinValue;
    public double LastValue { get; private set; }
    public long FirstSequence { get; private set; } = long.MaxValue;
    public long LastSequence { get; private set; } = long.MinValue;
    public string Partition { get; private set; } = string.Empty;
    public PercentileDigest? Digest { get; }

    /// <summary>Empties the accumulator for reuse (no percentile digest).</summary>
    internal void Reset()
    {
        _mean = 0;
        _m2 = 0;
        Count = 0;
        Sum = 0;
        Min = double.PositiveInfinity;
        Max = double.NegativeInfinity;
        FirstTicks = long.MaxValue;
        FirstValue = 0;
        LastTicks = long.MinValue;
        LastValue = 0;
        FirstSequence = long.MaxValue;
        LastSequence = long.MinValue;
        Partition = string.Empty;
    }

    public void Add(long ticks, double value, long sequence, string partition)
    {
        Count = checked(Count + 1);
        Sum += value;
        Min = Math.Min(Min, value);
        Max = Math.Max(Max, value);
        var delta = value - _mean;
        _mean += delta / Count;
        _m2 += delta * (value - _mean);

        // First/last by event time, not arrival: a late event can be the window's first.
        if (ticks < FirstTicks)
        {
            FirstTicks = ticks;
            FirstValue = value;
        }

        if (ticks >= LastTicks)
        {
            LastTicks = ticks;
            LastValue = value;
        }

        if (sequence >= 0)
        {
            FirstSequence = Math.Min(FirstSequence, sequence);
            LastSequence = Math.Max(LastSequence, sequence);
        }

        Partition = partition;
        Digest?.Add(value);
    }

    /// <summary>The aggregate's value, or null when it is undefined (empty window, one sample for stddev/rate).</summary>
    public double? Result(AggregateSpec aggregate) => Count == 0 ? null : aggregate.Kind switch
    {
        AggregateKind.Count => Count,
        AggregateKind.Sum => Sum,
        AggregateKind.Min => Min,
        AggregateKind.Max => Max,
        AggregateKind.Avg => _mean,
        AggregateKind.Last => LastValue,
        AggregateKind.StdDev => Count < 2 ? null : Math.Sqrt(_m2 / (Count - 1)),
        AggregateKind.RateOfChange => LastTicks > FirstTicks ? (LastValue - FirstValue) / TimeSpan.FromTicks(LastTicks - FirstTicks).TotalSeconds : null,
        AggregateKind.Percentile => Digest?.Quantile(aggregate.Percentile / 100.0),
        _ => null,
    };

    internal void Write(BinaryWriter w)
    {
        w.Write(Count);
        w.Write(Sum);
        w.Write(Min);
        w.Write(Max);
        w.Write(_mean);
        w.Write(_m2);
        w.Write(FirstTicks);
        w.Write(FirstValue);
        w.Write(LastTicks);
        w.Write(LastValue);
        w.Write(FirstSequence);
        w.Write(LastSequence);
        w.Write(Partition);
        w.Write(Digest is not null);
        Digest?.Write(w);
    }

    internal static Accumulator Read(BinaryReader r)
    {
        var count = r.ReadInt64();
        var sum = r.ReadDouble();
        var min = r.ReadDouble();
        var max = r.ReadDouble();
        var mean = r.ReadDouble();
        var m2 = r.ReadDouble();
        var firstTicks = r.ReadInt64();
        var firstValue = r.ReadDouble();
        var lastTicks = r.ReadInt64();
        var lastValue = r.ReadDouble();
        var firstSeq = r.ReadInt64();
        var lastSeq = r.ReadInt64();
        var partition = r.ReadString();
        var hasDigest = r.ReadBoolean();
        var a = new Accumulator(false);
        var result = hasDigest ? new Accumulator(PercentileDigest.Read(r)) : a;
        result.Count = count;
        result.Sum = sum;
        result.Min = min;
        result.Max = max;
        result._mean = mean;
        result._m2 = m2;
        result.FirstTicks = firstTicks;
        result.FirstValue = firstValue;
        result.LastTicks = lastTicks;
        result.LastValue = lastValue;
        result.FirstSequence = firstSeq;
        result.LastSequence = lastSeq;
        result.Partition = partition;
        return result;
    }

    private Accumulator(PercentileDigest digest)
    {
        Digest = digest;
    }
}
