using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace Pipeline.Core.Events;

/// <summary>
/// Decodes a telemetry body such as
/// <c>{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":71.2,"labels":{"site":"plant-7"}}</c>.
/// <list type="bullet">
/// <item><c>deviceId</c>: a string; or the transport's <see cref="RawEvent.DeviceIdHint"/>.</item>
/// <item><c>ts</c> (alias <c>timestamp</c>): ISO-8601 with <c>Z</c> or an offset, or a number of Unix epoch milliseconds.</item>
/// <item><c>labels</c>: an object of string values (or null: no labels).</item>
/// <item>Every other top-level property with a number value is a metric. Other top-level values (strings, booleans,
/// null, objects, arrays) are ignored, except the strings <c>"NaN"</c> and <c>"Infinity"</c>, which are rejected as
/// non-finite metrics rather than silently dropped.</item>
/// </list>
/// Duplicate metric or label names: the last one wins, as in most JSON parsers. Duplicate <c>deviceId</c> (when the
/// body's id is used) or timestamp properties are rejected because two readings of the body would disagree on key or
/// time.
/// <para>
/// Reads with <see cref="Utf8JsonReader"/> directly (no reflection, no DOM) and interns metric names, label names and
/// values and device ids, so steady-state decoding allocates only the event, its metrics dictionary and (when a
/// device's labels change) a labels dictionary. The caches are bounded. An instance is NOT thread-safe: use one per
/// partition or thread.
/// </para>
/// </summary>
public sealed class TelemetryDecoder
{
    private const string TsProperty = "ts";
    private const string TimestampProperty = "timestamp";
    private const int MaxTimestampBytes = 64;
    private const int BufferChars = 512;
    private const int MaxCachedNames = 4096;
    private const int MaxCachedValues = 65536;
    private const int MaxCachedLabelSets = 65536;
    private const int DetailValueChars = 64;
    private const long MinEpochMilliseconds = -62_135_596_800_000;
    private const long MaxEpochMilliseconds = 253_402_300_799_999;

    private readonly DecoderOptions _options;
    private readonly StringCache _names = new(MaxCachedNames);
    private readonly StringCache _values = new(MaxCachedValues);

    // The last labels dictionary per device: devices send the same labels every time, so reuse it when equal.
    private readonly Dictionary<string, Dictionary<string, string>> _labelSets = new(StringComparer.Ordinal);
    private readonly List<KeyValuePair<string, string>> _labelScratch = [];

    // Per-instance scratch buffers (the decoder is single-threaded), so no stack buffer is passed next to the reader.
    private readonly char[] _nameBuffer = new char[BufferChars];
    private readonly char[] _valueBuffer = new char[BufferChars];
    private readonly byte[] _timestampBytes = new byte[MaxTimestampBytes];
    private int _metricCapacity = 4;

    public TelemetryDecoder(DecoderOptions? options = null)
    {
        _options = options ?? DecoderOptions.Default;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxBodyBytes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxMetrics, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxLabels, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxKeyLength, nameof(options));
    }

    public DecoderOptions Options => _options;

    /// <summary>
    /// Decodes <paramref name="raw"/>. Never throws for any body: returns false with a failure whose
    /// <see cref="DecodeFailure.Error"/> is not <see cref="DecodeError.None"/> and whose detail names the problem.
    /// </summary>
    public bool TryDecode(in RawEvent raw, [NotNullWhen(true)] out Telemetry? telemetry, out DecodeFailure failure)
    {
        telemetry = null;
        var body = raw.Body.Span;
        if (body.IsEmpty)
        {
            failure = new DecodeFailure(DecodeError.Empty, "the body is empty");
            return false;
        }

        if (body.Length > _options.MaxBodyBytes)
        {
            failure = new DecodeFailure(DecodeError.TooLarge,
                Invariant($"the body is {body.Length} bytes; the limit is {_options.MaxBodyBytes}"));
            return false;
        }

        // Utf8JsonReader checks JSON syntax but not the UTF-8 inside strings, so validate up front (vectorized).
        if (!Utf8.IsValid(body))
        {
            failure = new DecodeFailure(DecodeError.NotUtf8,
                Invariant($"the body is not valid UTF-8: the first invalid byte is at offset {FirstInvalidUtf8(body)}"));
            return false;
        }

        var start = body.StartsWith("\uFEFF"u8) ? 3 : 0;
        var json = body[start..];
        try
        {
            return DecodeJson(json, raw, out telemetry, out failure);
        }
        catch (JsonException ex)
        {
            telemetry = null;
            failure = new DecodeFailure(DecodeError.NotJson,
                Invariant($"the body is not valid JSON at byte {start + ByteOffset(json, ex)}: {WithoutPosition(ex.Message)}"));
            return false;
        }
    }

    private bool DecodeJson(ReadOnlySpan<byte> json, in RawEvent raw, out Telemetry? telemetry, out DecodeFailure failure)
    {
        telemetry = null;
        var reader = new Utf8JsonReader(json, isFinalBlock: true, state: default);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            var what = Describe(reader.TokenType);
            reader.Skip();
            ReadToEnd(ref reader);
            failure = new DecodeFailure(DecodeError.NotAnObject, $"the body is {what}, not a JSON object");
            return false;
        }

        var hasHint = !string.IsNullOrEmpty(raw.DeviceIdHint);
        var state = new BodyState();
        _labelScratch.Clear();
        var nameBuffer = _nameBuffer.AsSpan();
        var valueBuffer = _valueBuffer.AsSpan();

        // Semantic problems are recorded (the first one wins) and reading goes on, so a body that is also broken
        // JSON further on is reported as NotJson: the more fundamental problem.
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!TryReadChars(ref reader, nameBuffer, out var name))
            {
                state.Fail(DecodeError.NotUtf8, "a property name has an escaped lone UTF-16 surrogate, which is not valid Unicode");
                reader.Read();
                SkipValue(ref reader);
                continue;
            }

            reader.Read();
            switch (name)
            {
                case "deviceId":
                    ReadDeviceId(ref reader, ref state, hasHint, valueBuffer);
                    break;
                case TsProperty:
                    ReadTimestamp(ref reader, ref state, TsProperty);
                    break;
                case TimestampProperty:
                    ReadTimestamp(ref reader, ref state, TimestampProperty);
                    break;
                case "labels":
                    ReadLabels(ref reader, ref state, nameBuffer, valueBuffer);
                    break;
                default:
                    ReadMetric(ref reader, ref state, name);
                    break;
            }
        }

        ReadToEnd(ref reader);
        return Complete(ref state, raw, hasHint, out telemetry, out failure);
    }

    private bool Complete(ref BodyState state, in RawEvent raw, bool hasHint, out Telemetry? telemetry, out DecodeFailure failure)
    {
        telemetry = null;
        if (state.Failure.Error != DecodeError.None)
        {
            failure = state.Failure;
            return false;
        }

        string key;
        if (hasHint)
        {
            // The IoT Hub connection device id is authenticated by the hub; a body can claim any id. The hint wins.
            key = raw.DeviceIdHint!;
            if (DeviceIdProblem(key) is { } problem)
            {
                failure = new DecodeFailure(DecodeError.InvalidDeviceId, $"the transport's device id {Quote(key)} {problem}");
                return false;
            }
        }
        else if (state.DeviceId is null)
        {
            failure = new DecodeFailure(DecodeError.MissingDeviceId,
                "the body has no 'deviceId' property and the transport supplied no device id");
            return false;
        }
        else
        {
            key = state.DeviceId;
        }

        foreach (var limit in _options.KeyLimits)
        {
            if (limit.Check(key) is { } tooLong)
            {
                failure = new DecodeFailure(DecodeError.KeyTooLong, $"the device id {Quote(key)} {tooLong}");
                return false;
            }
        }

        if (state.TimestampProperty is null)
        {
            failure = new DecodeFailure(DecodeError.MissingTimestamp, "the body has no 'ts' (or 'timestamp') property");
            return false;
        }

        if (state.Metrics is not { Count: > 0 } metrics)
        {
            failure = new DecodeFailure(DecodeError.NoNumericMetric,
                "the body has no metric: no top-level property has a number value (e.g. \"temperature\": 71.2)");
            return false;
        }

        _metricCapacity = metrics.Count;
        telemetry = new Telemetry(key, state.Timestamp, metrics, ResolveLabels(key), raw.Source) { RawBody = raw.Body };
        failure = default;
        return true;
    }

    private void ReadDeviceId(ref Utf8JsonReader reader, ref BodyState state, bool hasHint, Span<char> buffer)
    {
        if (hasHint)
        {
            SkipValue(ref reader);
            return;
        }

        if (state.DeviceIdSeen)
        {
            state.Fail(DecodeError.InvalidDeviceId, "property 'deviceId' appears more than once");
            SkipValue(ref reader);
            return;
        }

        state.DeviceIdSeen = true;
        if (reader.TokenType != JsonTokenType.String)
        {
            state.Fail(DecodeError.InvalidDeviceId, $"property 'deviceId' is {Describe(reader.TokenType)}; it must be a string");
            SkipValue(ref reader);
            return;
        }

        if (!TryReadChars(ref reader, buffer, out var chars))
        {
            state.Fail(DecodeError.InvalidDeviceId, "property 'deviceId' has an escaped lone UTF-16 surrogate, which is not valid Unicode");
            return;
        }

        if (DeviceIdProblem(chars) is { } problem)
        {
            state.Fail(DecodeError.InvalidDeviceId, $"property 'deviceId' {Quote(chars)} {problem}");
            return;
        }

        state.DeviceId = _values.Intern(chars);
    }

    private string? DeviceIdProblem(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty)
        {
            return "is empty";
        }

        if (id.Length > _options.MaxKeyLength)
        {
            return Invariant($"is {id.Length} characters; the limit is {_options.MaxKeyLength}");
        }

        foreach (var c in id)
        {
            if (char.IsControl(c))
            {
                return Invariant($"contains the control character U+{(int)c:X4}");
            }
        }

        return null;
    }

    private void ReadTimestamp(ref Utf8JsonReader reader, ref BodyState state, string property)
    {
        if (state.TimestampProperty is { } previous)
        {
            state.Fail(DecodeError.InvalidTimestamp, previous == property
                ? $"property '{property}' appears more than once"
                : $"the body has both '{previous}' and '{property}'; send one timestamp");
            SkipValue(ref reader);
            return;
        }

        state.TimestampProperty = property;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                ReadIsoTimestamp(ref reader, ref state, property);
                break;
            case JsonTokenType.Number:
                ReadEpochTimestamp(ref reader, ref state, property);
                break;
            default:
                state.Fail(DecodeError.InvalidTimestamp,
                    $"property '{property}' is {Describe(reader.TokenType)}; it must be an ISO-8601 string or Unix epoch milliseconds");
                SkipValue(ref reader);
                break;
        }
    }

    private void ReadIsoTimestamp(ref Utf8JsonReader reader, ref BodyState state, string property)
    {
        if (reader.ValueSpan.Length <= MaxTimestampBytes)
        {
            var text = _timestampBytes.AsSpan();
            try
            {
                var length = reader.CopyString(text);
                if (reader.TryGetDateTimeOffset(out var parsed))
                {
                    if (HasUtcOffset(text[..length]))
                    {
                        state.Timestamp = parsed.ToUniversalTime();
                        return;
                    }

                    state.Fail(DecodeError.InvalidTimestamp,
                        $"property '{property}' is {Quote(StringValue(ref reader))} which has no UTC offset; end it with 'Z' or '+hh:mm'");
                    return;
                }
            }
            catch (InvalidOperationException)
            {
                // An escaped lone surrogate: not a timestamp either; reported below.
            }
        }

        state.Fail(DecodeError.InvalidTimestamp,
            $"property '{property}' is {Quote(StringValue(ref reader))} which is not an ISO-8601 timestamp");
    }

    // The reader accepts ISO-8601 without an offset and reads it as local time, which is ambiguous for devices.
    private static bool HasUtcOffset(ReadOnlySpan<byte> text)
    {
        var t = text.IndexOfAny((byte)'T', (byte)'t');
        return t >= 0 && text[(t + 1)..].IndexOfAny("Zz+-"u8) >= 0;
    }

    private static void ReadEpochTimestamp(ref Utf8JsonReader reader, ref BodyState state, string property)
    {
        if (reader.TryGetInt64(out var milliseconds))
        {
            if (milliseconds is >= MinEpochMilliseconds and <= MaxEpochMilliseconds)
            {
                state.Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
                return;
            }
        }
        else if (reader.TryGetDouble(out var fractional) && fractional >= MinEpochMilliseconds && fractional <= MaxEpochMilliseconds)
        {
            var ticks = DateTimeOffset.UnixEpoch.Ticks + (long)Math.Round(fractional * TimeSpan.TicksPerMillisecond);
            if (ticks >= DateTimeOffset.MinValue.Ticks && ticks <= DateTimeOffset.MaxValue.Ticks)
            {
                state.Timestamp = new DateTimeOffset(ticks, TimeSpan.Zero);
                return;
            }
        }

        state.Fail(DecodeError.InvalidTimestamp,
            $"property '{property}' is {NumberText(ref reader)} which is outside the range of Unix epoch milliseconds for years 0001-9999");
    }

    private void ReadLabels(ref Utf8JsonReader reader, ref BodyState state, Span<char> nameBuffer, Span<char> valueBuffer)
    {
        if (state.LabelsSeen)
        {
            state.Fail(DecodeError.InvalidLabels, "property 'labels' appears more than once");
            SkipValue(ref reader);
            return;
        }

        state.LabelsSeen = true;
        if (reader.TokenType == JsonTokenType.Null)
        {
            // Serializers commonly write absent labels as null: treat as none.
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            state.Fail(DecodeError.InvalidLabels, $"property 'labels' is {Describe(reader.TokenType)}; it must be an object of string values");
            SkipValue(ref reader);
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameOk = TryReadChars(ref reader, nameBuffer, out var name);
            reader.Read();
            if (!nameOk)
            {
                state.Fail(DecodeError.InvalidLabels, "a label name has an escaped lone UTF-16 surrogate, which is not valid Unicode");
                SkipValue(ref reader);
                continue;
            }

            if (reader.TokenType != JsonTokenType.String)
            {
                state.Fail(DecodeError.InvalidLabels, $"label {Quote(name)} is {Describe(reader.TokenType)}; label values must be strings");
                SkipValue(ref reader);
                continue;
            }

            if (!TryReadChars(ref reader, valueBuffer, out var value))
            {
                state.Fail(DecodeError.InvalidLabels, $"label {Quote(name)} has an escaped lone UTF-16 surrogate, which is not valid Unicode");
                continue;
            }

            if (state.Failure.Error == DecodeError.None)
            {
                AddLabel(ref state, name, value);
            }
        }
    }

    private void AddLabel(ref BodyState state, ReadOnlySpan<char> name, ReadOnlySpan<char> value)
    {
        if (name.IsEmpty)
        {
            state.Fail(DecodeError.InvalidLabels, "a label has an empty name");
            return;
        }

        if (name.Length > _options.MaxKeyLength)
        {
            state.Fail(DecodeError.InvalidLabels, Invariant($"label name {Quote(name)} is {name.Length} characters; the limit is {_options.MaxKeyLength}"));
            return;
        }

        if (value.Length > _options.MaxKeyLength)
        {
            state.Fail(DecodeError.InvalidLabels, Invariant($"label {Quote(name)} has a value of {value.Length} characters; the limit is {_options.MaxKeyLength}"));
            return;
        }

        var key = _names.Intern(name);
        var interned = _values.Intern(value);
        for (var i = 0; i < _labelScratch.Count; i++)
        {
            if (string.Equals(_labelScratch[i].Key, key, StringComparison.Ordinal))
            {
                _labelScratch[i] = new KeyValuePair<string, string>(key, interned);
                return;
            }
        }

        if (_labelScratch.Count >= _options.MaxLabels)
        {
            state.Fail(DecodeError.InvalidLabels, Invariant($"the body has more labels than the limit of {_options.MaxLabels}"));
            return;
        }

        _labelScratch.Add(new KeyValuePair<string, string>(key, interned));
    }

    private void ReadMetric(ref Utf8JsonReader reader, ref BodyState state, scoped ReadOnlySpan<char> name)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                if (!reader.TryGetDouble(out var value) || !double.IsFinite(value))
                {
                    // Numbers beyond ±1.8e308 read as infinity, which no aggregate or detector can use.
                    state.Fail(DecodeError.NonFiniteMetric, $"metric {Quote(name)} is {NumberText(ref reader)} which is outside the range of a double");
                    return;
                }

                AddMetric(ref state, name, value);
                break;
            case JsonTokenType.String:
                if (IsNonFiniteText(reader.ValueSpan))
                {
                    state.Fail(DecodeError.NonFiniteMetric, $"metric {Quote(name)} is {Quote(StringValue(ref reader))}; metrics must be finite numbers");
                }

                break;
            case JsonTokenType.StartObject:
            case JsonTokenType.StartArray:
                reader.Skip();
                break;
            default:
                // Booleans and null are not metrics; ignored like other non-numeric properties.
                break;
        }
    }

    private void AddMetric(ref BodyState state, scoped ReadOnlySpan<char> name, double value)
    {
        if (state.Failure.Error != DecodeError.None)
        {
            return;
        }

        if (name.Length > _options.MaxKeyLength)
        {
            state.Fail(DecodeError.TooLarge, Invariant($"metric name {Quote(name)} is {name.Length} characters; the limit is {_options.MaxKeyLength}"));
            return;
        }

        var metrics = state.Metrics ??= new Dictionary<string, double>(_metricCapacity);
        var key = _names.Intern(name);
        if (metrics.Count >= _options.MaxMetrics && !metrics.ContainsKey(key))
        {
            state.Fail(DecodeError.TooLarge, Invariant($"the body has more metrics than the limit of {_options.MaxMetrics}"));
            return;
        }

        metrics[key] = value;
    }

    private Dictionary<string, string>? ResolveLabels(string key)
    {
        if (_labelScratch.Count == 0)
        {
            return null;
        }

        if (_labelSets.TryGetValue(key, out var cached) && SameLabels(cached))
        {
            return cached;
        }

        var labels = new Dictionary<string, string>(_labelScratch.Count, StringComparer.Ordinal);
        foreach (var (name, value) in _labelScratch)
        {
            labels[name] = value;
        }

        // Published dictionaries are never mutated, so sharing one between events of a device is safe.
        if (cached is not null || _labelSets.Count < MaxCachedLabelSets)
        {
            _labelSets[key] = labels;
        }

        return labels;
    }

    private bool SameLabels(Dictionary<string, string> cached)
    {
        if (cached.Count != _labelScratch.Count)
        {
            return false;
        }

        foreach (var (name, value) in _labelScratch)
        {
            if (!cached.TryGetValue(name, out var existing) || !string.Equals(existing, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryReadChars(ref Utf8JsonReader reader, Span<char> buffer, out ReadOnlySpan<char> chars)
    {
        try
        {
            // Unescaped UTF-16 never has more code units than the escaped UTF-8 has bytes.
            if (reader.ValueSpan.Length <= buffer.Length)
            {
                chars = buffer[..reader.CopyString(buffer)];
            }
            else
            {
                chars = reader.GetString();
            }

            return true;
        }
        catch (InvalidOperationException)
        {
            // The reader throws this for escaped lone surrogates such as "\ud800".
            chars = default;
            return false;
        }
    }

    private static string StringValue(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            return Encoding.UTF8.GetString(reader.ValueSpan);
        }
    }

    private static string NumberText(ref Utf8JsonReader reader) => Encoding.UTF8.GetString(reader.ValueSpan);

    private static bool IsNonFiniteText(ReadOnlySpan<byte> text) =>
        text.Length <= 9
        && (System.Text.Ascii.EqualsIgnoreCase(text, "NaN"u8)
            || System.Text.Ascii.EqualsIgnoreCase(text, "Infinity"u8)
            || System.Text.Ascii.EqualsIgnoreCase(text, "+Infinity"u8)
            || System.Text.Ascii.EqualsIgnoreCase(text, "-Infinity"u8));

    private static void SkipValue(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }
    }

    // After the root value only whitespace may follow; the reader throws on anything else.
    private static void ReadToEnd(ref Utf8JsonReader reader)
    {
        while (reader.Read())
        {
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        _ => token.ToString(),
    };

    private static string Quote(ReadOnlySpan<char> value)
    {
        var shown = value.Length > DetailValueChars ? value[..DetailValueChars] : value;
        var builder = new StringBuilder(shown.Length + 4).Append('\'');
        foreach (var c in shown)
        {
            // Details end up in logs and dead-letter records: keep them on one printable line.
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return builder.Append(value.Length > DetailValueChars ? "…'" : "'").ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> body)
    {
        var offset = 0;
        while (offset < body.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(body[offset..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return offset;
    }

    // The reader reports a line number and a byte position within that line; turn them into an offset in the body.
    private static long ByteOffset(ReadOnlySpan<byte> json, JsonException ex)
    {
        long lineStart = 0;
        for (long line = 0; line < (ex.LineNumber ?? 0); line++)
        {
            var next = json[(int)lineStart..].IndexOf((byte)'\n');
            if (next < 0)
            {
                break;
            }

            lineStart += next + 1;
        }

        return Math.Min(json.Length, lineStart + (ex.BytePositionInLine ?? 0));
    }

    private static string WithoutPosition(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return at < 0 ? message : message[..at];
    }

    private struct BodyState
    {
        public DecodeFailure Failure;
        public string? DeviceId;
        public bool DeviceIdSeen;
        public string? TimestampProperty;
        public DateTimeOffset Timestamp;
        public bool LabelsSeen;
        public Dictionary<string, double>? Metrics;

        public void Fail(DecodeError error, string detail)
        {
            if (Failure.Error == DecodeError.None)
            {
                Failure = new DecodeFailure(error, detail);
            }
        }
    }

    /// <summary>Returns one string instance per distinct text; bounded so unique names cannot grow it forever.</summary>
    private sealed class StringCache
    {
        private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
        private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private readonly int _capacity;

        public StringCache(int capacity)
        {
            _capacity = capacity;
            _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public string Intern(ReadOnlySpan<char> text)
        {
            if (_lookup.TryGetValue(text, out var existing))
            {
                return existing;
            }

            var created = new string(text);
            if (_strings.Count < _capacity)
            {
                _strings.Add(created);
            }

            return created;
        }
    }
}
