using Pipeline.Core.Alerts;
using Pipeline.Core.Events;
using Pipeline.Core.State;
using Pipeline.Core.Time;

namespace Pipeline.Core.Engine;

/// <summary>
/// Applies events and time to one key's state. Event time per key: the watermark trails the largest event time
/// by the out-of-order tolerance and moves with every event (not per batch), so however a stream is cut into
/// batches it gives the same alerts; buffered events are released to the rules in event-time order once the
/// watermark passes them, so any arrival order within the tolerance gives the same alerts. Events behind the
/// watermark are late: within allowed lateness they join the windows they fall in (amending emitted results);
/// older ones, and late ones no window can take, meet the late policy.
/// While a key is idle its watermark advances with processing time since its last arrival (hybrid clock), so
/// heartbeats, windows and keepFiringFor close; processing time is always an argument, recorded in the state.
/// Not thread-safe: one engine per processor, calls serialized.
/// </summary>
public sealed class KeyEngine
{
    /// <summary>The reorder buffer holds at most this many events per key (state stays bounded).</summary>
    public const int MaxBufferedEvents = 256;

    private readonly ApplyContext _ctx;

    public KeyEngine(CompiledRules rules)
    {
        Rules = rules ?? throw new ArgumentNullException(nameof(rules));
        _ctx = new ApplyContext(rules);
    }

    public CompiledRules Rules { get; }

    /// <summary>A new key. Keys watched before their first event (heartbeat <c>expected</c>) start their silence now.</summary>
    public KeyState NewState(string key, DateTimeOffset processingTime)
    {
        var state = new KeyState(key) { LastArrivalTicks = processingTime.UtcTicks };
        if (Rules.ExpectedKeys.Contains(key))
        {
            state.MaxEventTicks = processingTime.UtcTicks;
        }

        return state;
    }

    /// <summary>Applies a key's events (arrival order) and then advances it to <paramref name="processingTime"/>.</summary>
    public void Apply(KeyState state, IReadOnlyList<Telemetry> events, DateTimeOffset processingTime, ref Dispositions counters, List<DeadLetter> deadLetters)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(deadLetters);
        Bind(state);
        _ctx.Begin(state);
        var now = processingTime.UtcTicks;
        for (var index = 0; index < events.Count; index++)
        {
            var e = events[index];
            var source = e.Source;
            if (source.SequenceNumber >= 0 && !state.Advance(source))
            {
                counters.Duplicates++;
                continue;
            }

            var ticks = e.Timestamp.UtcTicks;
            if (ticks > now + Rules.MaxFutureSkewTicks)
            {
                // One bad clock must not drag the key's watermark into the future.
                counters.Quarantined++;
                deadLetters.Add(ToDeadLetter(e, DeadLetterReason.FutureTimestamp,
                    $"event time {e.Timestamp:O} is more than {TimeSpan.FromTicks(Rules.MaxFutureSkewTicks)} after its arrival at {processingTime:O}", processingTime));
                continue;
            }

            if (state.EventCount == 0 && state.MaxEventTicks != long.MinValue)
            {
                // A key watched before its first event (heartbeat `expected`) got a clock from processing time
                // only; its first real event sets the event-time clock instead, so a lagging device is not late.
                state.MaxEventTicks = long.MinValue;
                state.WatermarkTicks = long.MinValue;
            }

            var watermark = state.WatermarkTicks;
            if (watermark != long.MinValue && ticks < watermark)
            {
                if (ticks >= watermark - Rules.AllowedLatenessTicks)
                {
                    if (ApplyLate(state, e))
                    {
                        counters.LateAccepted++;
                        counters.Applied++;
                        AdvanceRules(state, watermark); // anything the late event made due is acted on now, as after any event
                        continue;
                    }

                    // No window of any rule can take it: the late policy decides, as for older events.
                }

                var policy = Rules.Disorder.Late;
                if (policy == LatePolicy.Drop)
                {
                    counters.LateDropped++;
                    continue;
                }

                if (policy == LatePolicy.DeadLetter)
                {
                    counters.LateDeadLettered++;
                    deadLetters.Add(ToDeadLetter(e, DeadLetterReason.Late,
                        ticks >= watermark - Rules.AllowedLatenessTicks
                        ? $"event time {e.Timestamp:O} is behind the key's watermark {EventTime.FromUtcTicks(watermark)} and no window of any rule can take it"
                        : $"event time {e.Timestamp:O} is before the key's watermark {EventTime.FromUtcTicks(watermark)} minus allowed lateness {TimeSpan.FromTicks(Rules.AllowedLatenessTicks)}", processingTime));
                    continue;
                }

                counters.LateAdjusted++;
                e = e.WithTimestamp(new DateTimeOffset(watermark, TimeSpan.Zero));
                ticks = watermark;
            }

            counters.Applied++;
            state.EventCount++;
            state.LastArrivalTicks = now;
            if (ticks > state.MaxEventTicks)
            {
                state.MaxEventTicks = ticks;
            }

            // The decoder shares label dictionaries between events with the same labels: skip the copy then.
            if (!ReferenceEquals(e.Labels, state.LabelsSeen))
            {
                CopyLabels(e.Labels, state.Labels);
                state.LabelsSeen = e.Labels;
            }

            CopyMetrics(e.Metrics, state.LastValues);

            Enqueue(state, e);

            // The watermark, and the rules with it, move per event: so lateness, and the order of what falls due
            // at the watermark against the next event, never depend on where a batch ends.
            Release(state, state.MaxEventTicks - Rules.ToleranceTicks);
            AdvanceRules(state, state.WatermarkTicks);
        }

        Advance(state, now);
    }

    /// <summary>
    /// The processing time at which this key next needs attention (Sweep), or null. Events waiting in the reorder
    /// buffer make the key due no earlier than <paramref name="bufferIdleDelay"/> after its last arrival: the key's
    /// next event releases them anyway, so an active key is not due at every Sweep (see SweepSchedule).
    /// </summary>
    public DateTimeOffset? NextDeadline(KeyState state, DateTimeOffset processingTime, TimeSpan bufferIdleDelay = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        var now = processingTime.UtcTicks;
        if (state.Outbox.Count > 0)
        {
            return processingTime; // unpublished alerts: retry at the next Sweep
        }

        Bind(state);

        // Apply ends by advancing the rules, which leaves their earliest deadline cached; compute it only if not.
        var next = state.RulesDue != long.MinValue ? state.RulesDue : RulesDue(state);

        if ((next == long.MaxValue && state.Buffer.Count == 0) || state.MaxEventTicks == long.MinValue)
        {
            return null;
        }

        // The watermark reaches `t` when MaxEvent − tolerance + (now' − lastArrival) ≥ t.
        var lag = state.LastArrivalTicks - (state.MaxEventTicks - Rules.ToleranceTicks);
        var due = next == long.MaxValue ? long.MaxValue : SaturatingAdd(next, lag);
        if (state.Buffer.Count > 0)
        {
            // Buffer release: the watermark's time, but not before the idle delay after the last arrival.
            var release = Math.Max(SaturatingAdd(state.Buffer[0].Timestamp.UtcTicks, lag), SaturatingAdd(state.LastArrivalTicks, bufferIdleDelay.Ticks));
            due = Math.Min(due, release);
        }

        return new DateTimeOffset(Math.Clamp(due, now, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);
    }

    private static long SaturatingAdd(long a, long b)
    {
        var sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? long.MinValue : long.MaxValue) : sum;
    }

    /// <summary>Whether one of the key's rules is pending: its condition holds and its <c>for</c> has not elapsed.</summary>
    public bool HasPending(KeyState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Bind(state);
        foreach (var r in Rules.Runtimes)
        {
            if (state.RuleStates[r.Index]?.Alert.Status == AlertStatus.Pending)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A read-only view of the key for the Api.</summary>
    public KeyView View(KeyState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        Bind(state);
        static DateTimeOffset? At(long ticks) => ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        var alerts = Rules.Runtimes.Select(r =>
        {
            var a = state.RuleStates[r.Index]!.Alert;
            var since = a.Status == AlertStatus.Firing ? a.FiredTicks : a.Status == AlertStatus.Pending ? a.EpisodeStartTicks : long.MinValue;
            return new AlertStateView(r.Rule.Id, a.Status, a.Severity, a.EpisodeId, a.Sequence, At(since), a.LastValue);
        }).ToList();
        return new KeyView(state.Key, At(state.WatermarkTicks), At(state.MaxEventTicks), At(state.LastArrivalTicks),
            new Dictionary<string, double>(state.LastValues, StringComparer.Ordinal), new Dictionary<string, string>(state.Labels, StringComparer.Ordinal),
            alerts, state.Buffer.Count, state.Outbox.Count);
    }

    private void Advance(KeyState state, long now)
    {
        var target = state.WatermarkTicks;
        if (state.MaxEventTicks != long.MinValue)
        {
            var idle = Math.Max(0, now - state.LastArrivalTicks);
            target = Math.Max(target, state.MaxEventTicks - Rules.ToleranceTicks + idle);
        }

        Release(state, target);
        if (state.WatermarkTicks != long.MinValue)
        {
            AdvanceRules(state, state.WatermarkTicks);
        }
    }

    /// <summary>Moves the watermark to <paramref name="target"/> (never back) and releases the events it passed.</summary>
    private void Release(KeyState state, long target)
    {
        if (state.Buffer.Count > MaxBufferedEvents)
        {
            // A flood of disorder: give up reordering for the oldest rather than grow without bound.
            target = Math.Max(target, state.Buffer[state.Buffer.Count - MaxBufferedEvents - 1].Timestamp.UtcTicks);
        }

        var released = 0;
        var advancedTo = long.MinValue;
        while (released < state.Buffer.Count && state.Buffer[released].Timestamp.UtcTicks <= target)
        {
            var e = state.Buffer[released++];
            var before = e.Timestamp.UtcTicks - 1;
            if (before > advancedTo)
            {
                AdvanceRules(state, before);
                advancedTo = before;
            }

            foreach (var runtime in Rules.Runtimes)
            {
                if (!runtime.IsDerived && runtime.Matches(state.Key, state.Labels))
                {
                    runtime.OnEvent(_ctx, state.RuleStates[runtime.Index]!, e);
                }
            }

            state.RulesDue = long.MinValue;
        }

        if (released > 0)
        {
            state.Buffer.RemoveRange(0, released);
        }

        if (target > state.WatermarkTicks)
        {
            state.WatermarkTicks = target;
        }
    }

    private void AdvanceRules(KeyState state, long ticks)
    {
        if (ticks < state.RulesDue)
        {
            return; // nothing is due before `ticks`
        }

        if (Rules.Dependents.Length > 0)
        {
            // With composites, timers of different rules must fire in time order so each composite sees its
            // parts change in the order they happened: step through the deadlines up to `ticks`.
            for (var guard = 0; guard < 10_000; guard++)
            {
                var next = long.MaxValue;
                foreach (var runtime in Rules.Runtimes)
                {
                    if (runtime.IsDerived || runtime.Matches(state.Key, state.Labels))
                    {
                        next = Math.Min(next, runtime.NextDeadline(state.RuleStates[runtime.Index]!));
                    }
                }

                if (next >= ticks)
                {
                    break;
                }

                AdvanceAll(state, next);
            }
        }

        AdvanceAll(state, ticks);
        state.RulesDue = RulesDue(state);
    }

    private long RulesDue(KeyState state)
    {
        var next = long.MaxValue;
        foreach (var runtime in Rules.Runtimes)
        {
            if (runtime.IsDerived || runtime.Matches(state.Key, state.Labels))
            {
                next = Math.Min(next, runtime.NextDeadline(state.RuleStates[runtime.Index]!));
            }
        }

        return next;
    }

    private void AdvanceAll(KeyState state, long ticks)
    {
        foreach (var runtime in Rules.Runtimes)
        {
            if (runtime.IsDerived || runtime.Matches(state.Key, state.Labels))
            {
                runtime.AdvanceTo(_ctx, state.RuleStates[runtime.Index]!, ticks);
            }
        }
    }

    /// <summary>Offers a late event to every rule's windows; false when none could take it.</summary>
    private bool ApplyLate(KeyState state, Telemetry e)
    {
        var taken = false;
        foreach (var runtime in Rules.Runtimes)
        {
            if (runtime.Matches(state.Key, state.Labels))
            {
                taken |= runtime.OnLateEvent(_ctx, state.RuleStates[runtime.Index]!, e);
            }
        }

        state.RulesDue = long.MinValue;
        return taken;
    }

    private static void CopyLabels(IReadOnlyDictionary<string, string> from, Dictionary<string, string> to)
    {
        // Enumerate the concrete dictionary when possible: the interface enumerator would allocate per event.
        if (from is Dictionary<string, string> d)
        {
            foreach (var (name, value) in d)
            {
                if (!to.TryGetValue(name, out var current) || current != value)
                {
                    to[name] = value;
                }
            }

            return;
        }

        foreach (var (name, value) in from)
        {
            if (!to.TryGetValue(name, out var current) || current != value)
            {
                to[name] = value;
            }
        }
    }

    private static void CopyMetrics(IReadOnlyDictionary<string, double> from, Dictionary<string, double> to)
    {
        if (from is Dictionary<string, double> d)
        {
            foreach (var (name, value) in d)
            {
                to[name] = value;
            }

            return;
        }

        foreach (var (name, value) in from)
        {
            to[name] = value;
        }
    }

    private static void Enqueue(KeyState state, Telemetry e)
    {
        // Usually in order: append. Otherwise insert after the last event with an earlier or equal time (stable).
        var buffer = state.Buffer;
        var i = buffer.Count;
        var ticks = e.Timestamp.UtcTicks;
        while (i > 0 && buffer[i - 1].Timestamp.UtcTicks > ticks)
        {
            i--;
        }

        buffer.Insert(i, e);
    }

    /// <summary>Binds the key's rule states to this rule set, keeping the state of rules whose layout is unchanged.</summary>
    internal void Bind(KeyState state)
    {
        if (ReferenceEquals(state.BoundTo, Rules))
        {
            return;
        }

        var previous = new Dictionary<string, RuleState>(StringComparer.Ordinal);
        if (state.BoundTo is { } old)
        {
            foreach (var r in old.Runtimes)
            {
                if (state.RuleStates[r.Index] is { } s)
                {
                    previous[r.Fingerprint] = s;
                }
            }
        }

        var states = new RuleState?[Rules.Runtimes.Length];
        foreach (var runtime in Rules.Runtimes)
        {
            if (previous.TryGetValue(runtime.Fingerprint, out var kept))
            {
                states[runtime.Index] = kept;
            }
            else if (state.UnboundRuleStates is { } unbound && unbound.TryGetValue(runtime.Fingerprint, out var bytes))
            {
                using var reader = new BinaryReader(new MemoryStream(bytes));
                states[runtime.Index] = runtime.ReadState(reader);
            }
            else
            {
                states[runtime.Index] = runtime.NewState(state);
            }
        }

        state.RuleStates = states;
        state.BoundTo = Rules;
        state.RulesDue = long.MinValue;
        state.UnboundRuleStates = null;
    }

    private static DeadLetter ToDeadLetter(Telemetry e, DeadLetterReason reason, string detail, DateTimeOffset processingTime)
    {
        // Events that arrived decoded (no raw body) are kept as the JSON they would have been sent as.
        var body = e.RawBody.IsEmpty ? TelemetryEncoder.ToJson(e) : e.RawBody;
        return new DeadLetter(DeadLetter.CreateId(e.Source, body.Span), body, e.Source, reason, detail, processingTime);
    }
}
