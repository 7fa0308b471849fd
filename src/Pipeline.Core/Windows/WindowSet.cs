using Pipeline.Core.Rules;
using Pipeline.Core.Time;

namespace Pipeline.Core.Windows;

/// <summary>
/// A closed (or re-evaluated) window's aggregate, ready for a rule to judge. <see cref="Replaces"/> is the interval
/// the window had before a late event grew it (a session), so the result can amend what that window decided.
/// </summary>
public readonly record struct WindowResult(TimeInterval Window, double Value, Accumulator Accumulator, bool Late, TimeInterval? Replaces = null);

/// <summary>
/// The windows of one (rule, key). Tumbling and hopping windows are aligned to the epoch and emitted once when
/// the watermark passes their end, then retained for the allowed lateness so late events can amend them.
/// Sliding windows are evaluated when an event enters (at its time t, over <c>(t − size, t]</c>) and when one
/// leaves (at its time + size). Session windows close after <c>gap</c> without events or at <c>maxDuration</c>;
/// closed sessions are retained for the allowed lateness like tumbling windows (kept in the slot list, which
/// sessions do not otherwise use). Intervals are half-open <c>[start, end)</c>.
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
                // Events leaving at this very instant are an evaluation of their own, as when the watermark got
                // here first: the result must not depend on which arrived first.
                AdvanceSliding(spec, aggregate, ticks, results);
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

                var window = Interval(ticks + 1 - spec.Size.Ticks, ticks + 1);
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
    /// A late event (behind <paramref name="watermark"/>, within allowed lateness) joins every window it falls in:
    /// tumbling and hopping windows (created if it is their first event), the session it extends (or a new one),
    /// or the retained sliding samples. Windows already emitted are re-evaluated as late results. Returns false
    /// when no window can take it (a sliding window that has moved past it).
    /// </summary>
    public bool AddLate(WindowSpec spec, AggregateSpec aggregate, long ticks, double value, long sequence, string partition, long watermark, List<WindowResult> results)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(results);
        var percentiles = aggregate.Kind == AggregateKind.Percentile;
        switch (spec.Kind)
        {
            case WindowKind.Session:
                return AddLateToSession(spec, aggregate, ticks, value, sequence, partition, watermark, percentiles, results);
            case WindowKind.Sliding:
                return AddLateToSliding(spec, aggregate, ticks, value, sequence, partition, watermark, results);
        }

        var hop = spec.Kind == WindowKind.Tumbling ? spec.Size.Ticks : spec.Hop.Ticks;
        for (var start = FloorTo(ticks, hop); start > ticks - spec.Size.Ticks; start -= hop)
        {
            var end = start + spec.Size.Ticks;
            var existed = _slots.Exists(x => x.Start == start);
            var slot = SlotFor(start, end, percentiles);
            slot.Accumulator.Add(ticks, value, sequence, partition);
            if (!existed && end <= watermark)
            {
                // The watermark passed this window while it was empty: it is emitted now, as a late result.
                slot.Emitted = true;
            }

            if (slot.Emitted && slot.Accumulator.Result(aggregate) is { } v)
            {
                results.Add(new WindowResult(Interval(start, end), v, slot.Accumulator, true));
            }
        }

        return true;
    }

    private bool AddLateToSession(WindowSpec spec, AggregateSpec aggregate, long ticks, double value, long sequence, string partition, long watermark, bool percentiles, List<WindowResult> results)
    {
        var gap = spec.Gap.Ticks;
        var max = spec.MaxDuration.Ticks;
        if (_session is { } open && ticks > open.Start - gap && ticks >= _sessionLastTicks - max + 1)
        {
            // The open session takes it; an earlier start also moves its maximum end.
            if (ticks < open.Start)
            {
                open.Reshape(ticks, ticks + max);
            }

            open.Accumulator.Add(ticks, value, sequence, partition);
            _sessionLastTicks = Math.Max(_sessionLastTicks, ticks);
            return true;
        }

        foreach (var closed in _slots)
        {
            // A closed session ends at last + gap (or its maximum duration), so its last event is End − gap.
            if (ticks >= closed.Start ? ticks < closed.End : ticks > closed.Start - gap && closed.End - gap - ticks < max)
            {
                // It may move the start earlier or the end later (a gap after it), within the maximum duration.
                var before = Interval(closed.Start, closed.End);
                var start = Math.Min(closed.Start, ticks);
                closed.Reshape(start, Math.Min(Math.Max(closed.End, ticks + gap), start + max));

                closed.Accumulator.Add(ticks, value, sequence, partition);
                if (closed.Accumulator.Result(aggregate) is { } v)
                {
                    results.Add(new WindowResult(Interval(closed.Start, closed.End), v, closed.Accumulator, true, before));
                }

                return true;
            }
        }

        // A session of its own: open if the watermark has not passed its gap yet, else closed at once (late).
        var session = new Slot(ticks, ticks + max, new Accumulator(percentiles));
        session.Accumulator.Add(ticks, value, sequence, partition);
        if (_session is null && ticks + gap > watermark)
        {
            _session = session;
            _sessionLastTicks = ticks;
            return true;
        }

        session.Reshape(ticks, Math.Min(ticks + gap, ticks + max));
        session.Emitted = true;
        InsertByStart(session);
        if (session.Accumulator.Result(aggregate) is { } late)
        {
            results.Add(new WindowResult(Interval(session.Start, session.End), late, session.Accumulator, true));
        }

        return true;
    }

    private bool AddLateToSliding(WindowSpec spec, AggregateSpec aggregate, long ticks, double value, long sequence, string partition, long watermark, List<WindowResult> results)
    {
        if (_samples.Count == 0)
        {
            return false; // every window that could hold it has been evaluated and left behind
        }

        var newest = 0L;
        foreach (var s in _samples)
        {
            newest = s.Ticks;
        }

        if (ticks <= newest - spec.Size.Ticks)
        {
            return false;
        }

        var samples = _samples.ToList();
        var at = samples.FindIndex(s => s.Ticks > ticks);
        samples.Insert(at < 0 ? samples.Count : at, new Sample(ticks, value, sequence, partition));
        if (ticks + spec.Size.Ticks > watermark)
        {
            // It leaves the window after the watermark: that exit is still to come, so it is retained.
            _samples.Clear();
            foreach (var s in samples)
            {
                _samples.Enqueue(s);
            }
        }

        // Re-evaluate the windows that ended at each later event: the one that decided an alert is among them.
        var percentiles = aggregate.Kind == AggregateKind.Percentile;
        for (var i = 0; i < samples.Count; i++)
        {
            var end = samples[i].Ticks;
            if (end <= ticks || (i + 1 < samples.Count && samples[i + 1].Ticks == end))
            {
                continue;
            }

            var acc = new Accumulator(percentiles);
            foreach (var s in samples)
            {
                if (s.Ticks > end - spec.Size.Ticks && s.Ticks <= end)
                {
                    acc.Add(s.Ticks, s.Value, s.Sequence, s.Partition);
                }
            }

            if (acc.Result(aggregate) is { } v)
            {
                results.Add(new WindowResult(Interval(end + 1 - spec.Size.Ticks, end + 1), v, acc, true));
            }
        }

        return true;
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
        }
        else if (spec.Kind == WindowKind.Sliding)
        {
            AdvanceSliding(spec, aggregate, watermark, results);
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
                    results.Add(new WindowResult(Interval(slot.Start, slot.End), v, slot.Accumulator, false));
                }
            }
        }

        // Past end + allowed lateness nothing can amend a window (or a closed session) any more.
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
        if (spec.Kind == WindowKind.Sliding)
        {
            // The oldest sample leaves the window at its time + size: an evaluation point (and a Sweep deadline).
            return _samples.Count > 0 ? _samples.Peek().Ticks + spec.Size.Ticks : long.MaxValue;
        }

        var next = spec.Kind == WindowKind.Session && _session is { } open ? Math.Min(_sessionLastTicks + spec.Gap.Ticks, open.End) : long.MaxValue;
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
            results.Add(new WindowResult(Interval(open.Start, end), v, open.Accumulator, false));
        }

        // Retained until the watermark passes end + allowed lateness, so late events can still join it.
        open.Reshape(open.Start, end);
        open.Emitted = true;
        InsertByStart(open);
        _session = null;
    }

    private void AdvanceSliding(WindowSpec spec, AggregateSpec aggregate, long watermark, List<WindowResult> results)
    {
        var size = spec.Size.Ticks;
        while (_samples.Count > 0 && _samples.Peek().Ticks + size <= watermark)
        {
            // Samples at the same instant leave together: one evaluation per exit instant.
            var exit = _samples.Dequeue().Ticks + size;
            while (_samples.Count > 0 && _samples.Peek().Ticks + size <= exit)
            {
                _samples.Dequeue();
            }

            var acc = new Accumulator(aggregate.Kind == AggregateKind.Percentile);
            foreach (var s in _samples)
            {
                acc.Add(s.Ticks, s.Value, s.Sequence, s.Partition);
            }

            // An empty window counts and sums to zero (so "count > 3" resolves once the burst has left).
            var value = acc.Result(aggregate) ?? (aggregate.Kind is AggregateKind.Count or AggregateKind.Sum ? 0 : null);
            if (value is { } v)
            {
                results.Add(new WindowResult(Interval(exit + 1 - size, exit + 1), v, acc, false));
            }
        }
    }

    private void InsertByStart(Slot slot)
    {
        var at = _slots.FindIndex(x => x.Start > slot.Start);
        _slots.Insert(at < 0 ? _slots.Count : at, slot);
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

    private static TimeInterval Interval(long start, long end) => new(EventTime.FromUtcTicks(start), EventTime.FromUtcTicks(end));

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

        /// <summary>A session moved its start (a late event) or closed at its end.</summary>
        public void Reshape(long start, long end)
        {
            Start = start;
            End = end;
        }

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
