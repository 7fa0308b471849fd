using System.Text;
using Pipeline.Core.Alerts;
using Pipeline.Core.Events;

namespace Pipeline.Core.Engine;

/// <summary>
/// The versioned binary snapshot of a <see cref="KeyState"/>. Rule states are stored by rule fingerprint so a
/// changed rule set keeps the state of unchanged rules. Round trips exactly (doubles are written bit for bit).
/// </summary>
public static class KeyStateSerializer
{
    public const byte FormatVersion = 1;

    // One stream and writer per thread, reused: a snapshot per key per batch would otherwise allocate both, and
    // the stream's growth, every time. Only the returned array is new.
    [ThreadStatic]
    private static (MemoryStream Stream, BinaryWriter Writer)? _threadScratch;

    public static byte[] Write(KeyState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (stream, w) = _threadScratch ??= Scratch();
        stream.SetLength(0);
        w.Write(FormatVersion);
        w.Write(state.Key);
        w.Write(state.MaxEventTicks);
        w.Write(state.WatermarkTicks);
        w.Write(state.LastArrivalTicks);
        w.Write(state.EventCount);
        WriteMap(w, state.Labels);
        w.Write(state.LastValues.Count);
        foreach (var (name, value) in state.LastValues)
        {
            w.Write(name);
            w.Write(value);
        }

        state.SyncPositions();
        w.Write(state.Positions.Count);
        foreach (var (partition, sequence) in state.Positions)
        {
            w.Write(partition);
            w.Write(sequence);
        }

        w.Write(state.Buffer.Count);
        foreach (var e in state.Buffer)
        {
            WriteEvent(w, e, state.Labels);
        }

        WriteRuleStates(w, stream, state);

        w.Write(state.Outbox.Count);
        foreach (var alert in state.Outbox)
        {
            var json = alert.ToJsonBytes();
            w.Write(json.Length);
            w.Write(json);
        }

        w.Flush();
        return stream.ToArray();
    }

    private static (MemoryStream, BinaryWriter) Scratch()
    {
        var stream = new MemoryStream(4096);
        return (stream, new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true));
    }

    /// <summary>Reads a snapshot. Throws <see cref="InvalidDataException"/> for an unknown version or a snapshot of another key.</summary>
    public static KeyState Read(ReadOnlySpan<byte> snapshot, string expectedKey)
    {
        using var r = new BinaryReader(new MemoryStream(snapshot.ToArray(), writable: false), Encoding.UTF8);
        var version = r.ReadByte();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"State snapshot version {version} is not supported (expected {FormatVersion}).");
        }

        var key = r.ReadString();
        if (key != expectedKey)
        {
            throw new InvalidDataException($"State snapshot is for key '{key}', not '{expectedKey}'.");
        }

        var state = new KeyState(key)
        {
            MaxEventTicks = r.ReadInt64(),
            WatermarkTicks = r.ReadInt64(),
            LastArrivalTicks = r.ReadInt64(),
            EventCount = r.ReadInt64(),
        };
        ReadMap(r, state.Labels);
        var values = r.ReadInt32();
        for (var i = 0; i < values; i++)
        {
            state.LastValues[r.ReadString()] = r.ReadDouble();
        }

        var positions = r.ReadInt32();
        for (var i = 0; i < positions; i++)
        {
            state.Positions[r.ReadString()] = r.ReadInt64();
        }

        var buffered = r.ReadInt32();
        for (var i = 0; i < buffered; i++)
        {
            state.Buffer.Add(ReadEvent(r, key, state.Labels));
        }

        var rules = r.ReadInt32();
        var unbound = new Dictionary<string, byte[]>(rules, StringComparer.Ordinal);
        for (var i = 0; i < rules; i++)
        {
            var fingerprint = r.ReadString();
            unbound[fingerprint] = r.ReadBytes(r.ReadInt32());
        }

        state.UnboundRuleStates = unbound;
        var outbox = r.ReadInt32();
        for (var i = 0; i < outbox; i++)
        {
            state.Outbox.Add(AlertEvent.Parse(r.ReadBytes(r.ReadInt32())));
        }

        return state;
    }

    private static void WriteRuleStates(BinaryWriter w, MemoryStream stream, KeyState state)
    {
        if (state.BoundTo is { } rules)
        {
            w.Write(rules.Runtimes.Length);
            foreach (var runtime in rules.Runtimes)
            {
                // Each state is length-prefixed so a reader can keep it as bytes until its rule is bound.
                w.Write(runtime.Fingerprint);
                w.Flush();
                var lengthAt = stream.Position;
                w.Write(0);
                state.RuleStates[runtime.Index]!.Write(w);
                w.Flush();
                var end = stream.Position;
                stream.Position = lengthAt;
                w.Write(checked((int)(end - lengthAt - sizeof(int))));
                w.Flush();
                stream.Position = end;
            }
        }
        else if (state.UnboundRuleStates is { } unbound)
        {
            w.Write(unbound.Count);
            foreach (var (fingerprint, bytes) in unbound)
            {
                w.Write(fingerprint);
                w.Write(bytes.Length);
                w.Write(bytes);
            }
        }
        else
        {
            w.Write(0);
        }
    }

    private static void WriteEvent(BinaryWriter w, Telemetry e, IReadOnlyDictionary<string, string> keyLabels)
    {
        w.Write(e.Timestamp.UtcTicks);
        w.Write(e.Source.Partition);
        w.Write(e.Source.SequenceNumber);
        w.Write(e.Source.EnqueuedTime.UtcTicks);
        w.Write(e.Metrics.Count);
        foreach (var (name, value) in e.Metrics)
        {
            w.Write(name);
            w.Write(value);
        }

        // Raw bodies are not kept: a buffered event is never dead-lettered (lateness is decided on arrival).
        // Buffered events almost always carry the key's labels: store a flag instead of a copy then.
        var same = SameLabels(e.Labels, keyLabels);
        w.Write(same);
        if (!same)
        {
            WriteMap(w, e.Labels);
        }

    }

    private static Telemetry ReadEvent(BinaryReader r, string key, Dictionary<string, string> keyLabels)
    {
        var ticks = r.ReadInt64();
        var partition = r.ReadString();
        var sequence = r.ReadInt64();
        var enqueued = r.ReadInt64();
        var n = r.ReadInt32();
        var metrics = new Dictionary<string, double>(n, StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            metrics[r.ReadString()] = r.ReadDouble();
        }

        Dictionary<string, string> labels;
        if (r.ReadBoolean())
        {
            labels = new Dictionary<string, string>(keyLabels, StringComparer.Ordinal);
        }
        else
        {
            labels = new Dictionary<string, string>(StringComparer.Ordinal);
            ReadMap(r, labels);
        }

        return new Telemetry(key, new DateTimeOffset(ticks, TimeSpan.Zero), metrics, labels,
            new SourcePosition(partition, sequence, new DateTimeOffset(enqueued, TimeSpan.Zero)));
    }

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (name, value) in a)
        {
            if (!b.TryGetValue(name, out var other) || other != value)
            {
                return false;
            }
        }

        return true;
    }

    private static void WriteMap(BinaryWriter w, IReadOnlyDictionary<string, string> map)
    {
        w.Write(map.Count);
        foreach (var (name, value) in map)
        {
            w.Write(name);
            w.Write(value);
        }
    }

    private static void ReadMap(BinaryReader r, Dictionary<string, string> map)
    {
        var n = r.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            map[r.ReadString()] = r.ReadString();
        }
    }
}
