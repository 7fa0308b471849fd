using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Pipeline.Core.Events;

namespace Pipeline.Core.Tests.Events;

public sealed class TelemetryDecoderPropertyTests
{
    // Text is built from units so surrogate pairs stay whole (lone surrogates are not valid telemetry text).
    private static readonly string[] IdUnits =
        ["a", "b", "Z", "0", "9", "-", "_", ".", ":", " ", "\"", "\\", "/", "+", "<", "é", "ß", "中", "€", "\u00A0", "\u2028", "😀"];

    // Names and label values may hold control characters; only device ids forbid them.
    private static readonly string[] NameUnits = [.. IdUnits, "\n", "\t", "\u0001", "\u007F"];

    private static readonly byte[] JsonBytes = Encoding.UTF8.GetBytes("{}[]\":,0123456789.eE-+ \n\ttrufalsn\\uNIdviceIDts");

    private static readonly double[] EdgeValues =
        [0, -0.0, 71.2, 0.1, -1, 1e-300, double.Epsilon, double.MaxValue, double.MinValue, 123456789.123456789, 1e21, 9007199254740993];

    private static Gen<string> Text(string[] units, int minUnits, int maxUnits) =>
        from count in Gen.Choose(minUnits, maxUnits)
        from parts in Gen.ArrayOf(Gen.Elements(units), count)
        select string.Concat(parts);

    private static Gen<double> Values =>
        Gen.OneOf(ArbMap.Default.GeneratorFor<double>().Where(double.IsFinite), Gen.Elements(EdgeValues));

    private static Gen<DateTimeOffset> Timestamps =>
        Gen.OneOf(
            // Anywhere in the representable range, to the tick.
            from high in Gen.Choose(0, int.MaxValue)
            from low in Gen.Choose(0, int.MaxValue)
            select new DateTimeOffset((((long)high << 31) | (uint)low) % (DateTimeOffset.MaxValue.Ticks + 1), TimeSpan.Zero),
            // Around now, to the millisecond, like real devices.
            from seconds in Gen.Choose(0, 400_000_000)
            from millis in Gen.Choose(0, 999)
            select new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(seconds - 200_000_000).AddMilliseconds(millis));

    private static Gen<Telemetry> ValidTelemetry =>
        from key in Gen.OneOf(Text(IdUnits, 1, 60), Gen.Elements("d1", "d2", "chiller-17"))
        from timestamp in Timestamps
        from metricCount in Gen.Choose(1, 64)
        from metrics in Gen.ArrayOf(Gen.Zip(Text(NameUnits, 0, 20), Values), metricCount)
        from labelCount in Gen.Choose(0, 32)
        from labels in Gen.ArrayOf(Gen.Zip(Text(NameUnits, 1, 12), Text(NameUnits, 0, 30)), labelCount)
        let metricMap = metrics
            .Where(m => !TelemetryEncoder.ReservedNames.Contains(m.Item1))
            .DistinctBy(m => m.Item1, StringComparer.Ordinal)
            .ToDictionary(m => m.Item1, m => m.Item2, StringComparer.Ordinal)
        where metricMap.Count > 0
        select new Telemetry(
            key,
            timestamp,
            metricMap,
            labels.DistinctBy(l => l.Item1, StringComparer.Ordinal).ToDictionary(l => l.Item1, l => l.Item2, StringComparer.Ordinal));

    [Property(MaxTest = 500)]
    public Property Valid_telemetry_decodes_to_what_was_encoded()
    {
        // One decoder for all cases, so its caches see the same keys with changing labels and names.
        var decoder = new TelemetryDecoder(new DecoderOptions { MaxBodyBytes = 1 << 20 });
        return Prop.ForAll(ValidTelemetry.ToArbitrary(), original =>
        {
            var body = TelemetryEncoder.ToJson(original);

            Assert.True(decoder.TryDecode(new RawEvent(body, SourcePosition.None), out var decoded, out var failure),
                failure + " for " + Encoding.UTF8.GetString(body));
            Assert.Equal(original.Key, decoded.Key);
            Assert.Equal(original.Timestamp.UtcTicks, decoded.Timestamp.UtcTicks);
            Assert.Equal(TimeSpan.Zero, decoded.Timestamp.Offset);
            Assert.Equal(original.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal), decoded.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal));
            Assert.Equal(original.Labels.OrderBy(l => l.Key, StringComparer.Ordinal), decoded.Labels.OrderBy(l => l.Key, StringComparer.Ordinal));
            return true;
        });
    }

    [Property(MaxTest = 2000)]
    public void Arbitrary_bytes_never_throw(byte[]? body) => AssertDecodesOrFails(new TelemetryDecoder(), body ?? []);

    [Property(MaxTest = 2000)]
    public Property Json_like_bytes_never_throw()
    {
        var decoder = new TelemetryDecoder();
        var gen = Gen.Sized(size => Gen.Choose(0, size * 4).SelectMany(length => Gen.ArrayOf(Gen.Elements(JsonBytes), length)));
        return Prop.ForAll(gen.ToArbitrary(), body => AssertDecodesOrFails(decoder, body));
    }

    [Property(MaxTest = 1000)]
    public Property Mutated_valid_bodies_never_throw()
    {
        var decoder = new TelemetryDecoder();
        var mutated =
            from telemetry in ValidTelemetry
            from seeds in Gen.ArrayOf(Gen.Choose(0, int.MaxValue), 8)
            from hint in Gen.Elements<string?>(null, "hinted-device")
            select (Body: Mutate(TelemetryEncoder.ToJson(telemetry), seeds), Hint: hint);
        return Prop.ForAll(mutated.ToArbitrary(), input => AssertDecodesOrFails(decoder, input.Body, input.Hint));
    }

    private static byte[] Mutate(byte[] body, int[] seeds)
    {
        var bytes = body.ToList();
        for (var i = 0; i + 1 < seeds.Length && bytes.Count > 0; i += 2)
        {
            var at = seeds[i + 1] % bytes.Count;
            var replacement = (seeds[i + 1] & 1) == 0 ? JsonBytes[seeds[i + 1] % JsonBytes.Length] : (byte)(seeds[i + 1] >> 3);
            switch (seeds[i] % 5)
            {
                case 0:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 1:
                    bytes[at] = replacement;
                    break;
                case 2:
                    bytes.Insert(at, replacement);
                    break;
                case 3:
                    bytes.RemoveAt(at);
                    break;
                default:
                    // Leave this round unchanged so some bodies stay valid or only slightly damaged.
                    break;
            }
        }

        return [.. bytes];
    }

    private static bool AssertDecodesOrFails(TelemetryDecoder decoder, byte[] body, string? hint = null)
    {
        var ok = decoder.TryDecode(new RawEvent(body, SourcePosition.None, hint), out var telemetry, out var failure);

        if (ok)
        {
            Assert.NotNull(telemetry);
            Assert.Equal(DecodeError.None, failure.Error);
            Assert.NotEmpty(telemetry.Metrics);
            Assert.All(telemetry.Metrics.Values, value => Assert.True(double.IsFinite(value)));
        }
        else
        {
            Assert.Null(telemetry);
            Assert.NotEqual(DecodeError.None, failure.Error);
            Assert.False(string.IsNullOrWhiteSpace(failure.Detail));
        }

        return true;
    }
}
