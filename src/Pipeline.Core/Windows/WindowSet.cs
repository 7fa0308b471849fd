using Pipeline.Core.Rules;
using Pipeline.Core.Time;

namespace Pipeline.Core.Windows;

/// <summary>A closed (or re-evaluated) window's aggregate, ready for a rule to judge.</summary>
public readonly record struct WindowResult(TimeInterval Window, double Value, Accumulator Accumulator, bool Late);

/// <summary>
/// The windows of one (rule, key). Tumbling and hopping windows are aligned to the epoch and emitted once when
/// the watermark passes their end, then retained for the allowed lateness so late events can amend them.
/// Sliding windows are evaluated at each event over <c>(t − size, t]</c>. Session windows close after
/// <c>gap</c> without events or at <c>maxDuration</c>. Intervals are half-open <c>[start, end)</c>.
/// </summary>
public sealed class WindowSet
{
    /// <summary>Sliding windows keep at most this many samples (oldest dropped first) to bound state.</summary>
    public const int MaxSlidingSamples = 512;

    private readonly List<Slot> _slots = [];
    private readonly Queue<Sample> _samples = new();

    // Forgotten slots, reused for the next windows so a steady stream allocates no slot or accumulator.
    private readonly Stack<Slot> _free = new();
    private Slot? _session;
    private long _sessionLastTicks;

    public int RetainedWindows => _slots.Count;

    /// <summary>Adds an in-order event; for sliding windows returns the window ending at it.</summary>
    public void Add(WindowSpec spec, AggregateSpec aggregate, long ticks, double value, long sequence, string partition, List<WindowResult> results)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(results);
        var percentiles = aggregate.Kind == AggregateKind.Percentile;
        switch (spec.Kind)
        {
            case WindowKind.Tumbling:
            case WindowKind.Hopping:
                var hop = spec.Kind == WindowKind.Tumbling ? spec.Size.Ticks : spec.Hop.Ticks;
                var lastStart = FloorTo(ticks, hop);
                for (var start = lastStart; start > ticks - spec.Size.Ticks; start -= hop)
                {
                    SlotFor(start, start + spec.Size.Ticks, percentiles).Accumulator.Add(ticks, value, sequence, partition);
                }

                break;

            case WindowKind.Sliding:
                _samples.Enqueue(new Sample(ticks, value, sequence, partition));
                while (_samples.Count > MaxSlidingSamples || _samples.Peek().Ticks <= ticks - spec.Size.Ticks)
                {
                    _samples.Dequeue();
                }

                var acc = new Accumulator(percentiles);
                foreach (var s in _samples)
                {
                    acc.Add(s.Ticks, s.Value, s.Sequence, s.Partition);
                }

                var window = new TimeInterval(At(ticks + 1 - spec.Size.Ticks), At(ticks + 1));
                if (acc.Result(aggregate) is { } v)
                {
                    results.Add(new WindowResult(window, v, acc, false));
                }

                break;

            case WindowKind.Session:
                if (_session is { } open && (ticks - _sessionLastTicks >= spec.Gap.Ticks || ticks >= open.Start + spec.MaxDuration.Ticks))
                {
                    CloseSession(spec, aggregate, results);
                }

                if (_session is null)
                {
                    _session = new Slot(ticks, ticks + spec.MaxDuration.Ticks, new Accumulator(percentiles));
                }

                _session.Accumulator.Add(ticks, value, sequence, partition);
                _sessionLastTicks = ticks;
                break;
        }
    }

    /// <summary>
    /// A late event (behind the watermark, within allowed lateness): joins the retained tumbling/hopping windows
    /// that contain it; those already emitted are re-evaluated. Returns false when no window could take it.
    /// </summary>
    public bool AddLate(WindowSpec spec, AggregateSpec aggregate, long ticks, double value, long sequence, string partition, List<WindowResult> results)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(results);
        if (spec.Kind is not (WindowKind.Tumbling or WindowKind.Hopping))
        {
            return false;
        }

        var taken = false;
        foreach (var slot in _slots)
        {
            if (slot.Start <= ticks && ticks < slot.End)
            {
                slot.Accumulator.Add(ticks, value, sequence, partition);
                taken = true;
                if (slot.Emitted && slot.Accumulator.Result(aggregate) is { } v)
                {
                    results.Add(new WindowResult(new TimeInterval(At(slot.Start), At(slot.End)), v, slot.Accumulator, true));
                }
            }
        }

        return taken;
    }

    /// <summary>The watermark reached <paramref name="watermark"/>: emits windows whose end it passed, in end order.</summary>
    public void AdvanceTo(WindowSpec spec, AggregateSpec aggregate, long watermark, TimeSpan allowedLateness, List<WindowResult> results)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(results);
        if (spec.Kind == WindowKind.Session)
        {
            if (_session is { } open && watermark >= Math.Min(_sessionLastTicks + spec.Gap.Ticks, open.End))
            {
                CloseSession(spec, aggregate, results);
            }

            return;
        }

        for (var i = 0; i < _slots.Count; i++)
        {
            var slot = _slots[i];
            if (!slot.Emitted && slot.End <= watermark)
            {
                slot.Emitted = true;
                if (slot.Accumulator.Result(aggregate) is { } v)
                {
                    results.Add(new WindowResult(new TimeInterval(At(slot.Start), At(slot.End)), v, slot.Accumulator, false));
                }
            }
        }

        // Past end + allowed lateness nothing can amend a window any more.
        for (var i = _slots.Count - 1; i >= 0; i--)
        {
            if (_slots[i].Emitted && _slots[i].End + allowedLateness.Ticks <= watermark)
            {
                if (_free.Count < 4)
                {
                    _free.Push(_slots[i]);
                }

                _slots.RemoveAt(i);
            }
        }
    }

    /// <summary>The event time at which <see cref="AdvanceTo"/> next acts (emits or forgets a window), or <see cref="long.MaxValue"/>.</summary>
    public long NextDeadline(WindowSpec spec, TimeSpan allowedLateness)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Kind == WindowKind.Session)
        {
            return _session is { } open ? Math.Min(_sessionLastTicks + spec.Gap.Ticks, open.End) : long.MaxValue;
        }

        var next = long.MaxValue;
        foreach (var slot in _slots)
        {
            next = Math.Min(next, slot.Emitted ? slot.End + allowedLateness.Ticks : slot.End);
        }

        return next;
    }

    private void CloseSession(WindowSpec spec, AggregateSpec aggregate, List<WindowResult> results)
    {
        var open = _session!;
        var end = Math.Min(_sessionLastTicks + spec.Gap.Ticks, open.End);
        if (open.Accumulator.Result(aggregate) is { } v)
        {
            results.Add(new WindowResult(new TimeInterval(At(open.Start), At(end)), v, open.Accumulator, false));
        }

        _session = null;
    }

    private Slot SlotFor(long start, long end, bool percentiles)
    {
        // Slots are few (size/hop + retained), so a linear search beats a dictionary here.
        var insertAt = _slots.Count;
        for (var i = 0; i < _slots.Count; i++)
        {
            if (_slots[i].Start == start)
            {
                return _slots[i];
            }

            if (_slots[i].Start > start)
            {
                insertAt = i;
                break;
            }
        }

        Slot slot;
        if (!percentiles && _free.TryPop(out var reused))
        {
            reused.Reuse(start, end);
            slot = reused;
        }
        else
        {
            slot = new Slot(start, end, new Accumulator(percentiles));
        }

        _slots.Insert(insertAt, slot);
        return slot;
    }

    private static long FloorTo(long ticks, long step) => ticks - (((ticks % step) + step) % step);

    private static DateTimeOffset At(long ticks) => new(ticks, TimeSpan.Zero);

    internal void Write(BinaryWriter w)
    {
        w.Write(_slots.Count);
        foreach (var s in _slots)
        {
            s.Write(w);
        }

        w.Write(_samples.Count);
        foreach (var s in _samples)
        {
            w.Write(s.Ticks);
            w.Write(s.Value);
            w.Write(s.Sequence);
            w.Write(s.Partition);
        }

        w.Write(_session is not null);
        _session?.Write(w);
        w.Write(_sessionLastTicks);
    }

    internal static WindowSet Read(BinaryReader r)
    {
        var set = new WindowSet();
        var slots = r.ReadInt32();
        for (var i = 0; i < slots; i++)
        {
            set._slots.Add(Slot.Read(r));
        }

        var samples = r.ReadInt32();
        for (var i = 0; i < samples; i++)
        {
            set._samples.Enqueue(new Sample(r.ReadInt64(), r.ReadDouble(), r.ReadInt64(), r.ReadString()));
        }

        set._session = r.ReadBoolean() ? Slot.Read(r) : null;
        set._sessionLastTicks = r.ReadInt64();
        return set;
    }

    private readonly record struct Sample(long Ticks, double Value, long Sequence, string Partition);

    private sealed class Slot(long start, long end, Accumulator accumulator)
    {
        public long Start { get; private set; } = start;
        public long End { get; private set; } = end;
        public Accumulator Accumulator { get; } = accumulator;
        public bool Emitted { get; set; }

        public void Reuse(long start, long end)
        {
            Start = start;
            End = end;
            Emitted = false;
            Accumulator.Reset();
        }

        public void Write(BinaryWriter w)
        {
            w.Write(Start);
            w.Write(End);
            w.Write(Emitted);
            Accumulator.Write(w);
        }

        public static Slot Read(BinaryReader r)
        {
            var start = r.ReadInt64();
            var end = r.ReadInt64();
            var emitted = r.ReadBoolean();
            return new Slot(start, end, Accumulator.Read(r)) { Emitted = emitted };
        }
    }
}
