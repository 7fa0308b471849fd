using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pipeline.Core.Events;

/// <summary>
/// Writes telemetry in the body format <see cref="TelemetryDecoder"/> reads:
/// <c>{"deviceId":"d1","ts":"2026-01-01T00:00:00Z","temperature":71.2,"labels":{"deviceType":"chiller"}}</c>.
/// The timestamp is written in UTC with <c>Z</c>, numbers in their shortest round-trip form, so decoding the output
/// gives back the same key, time, metrics and labels. Used by the sample files, the HTTP simulator and benchmarks.
/// </summary>
public static class TelemetryEncoder
{
    // Bodies are JSON for machines, not HTML: escaping '+', '<' or non-ASCII letters would only make them longer.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The top-level names the decoder reads as something other than a metric.</summary>
    public static IReadOnlyList<string> ReservedNames { get; } = ["deviceId", "ts", "timestamp", "labels"];

    /// <summary>The UTF-8 JSON body of <paramref name="telemetry"/>.</summary>
    /// <exception cref="ArgumentException">A metric is not finite or is named like a reserved property.</exception>
    public static byte[] ToJson(Telemetry telemetry)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(buffer, telemetry);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Appends the JSON body of <paramref name="telemetry"/> to <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, Telemetry telemetry)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        Write(writer, telemetry);
    }

    /// <summary>Writes the JSON object of <paramref name="telemetry"/> as the next value of <paramref name="writer"/>.</summary>
    public static void Write(Utf8JsonWriter writer, Telemetry telemetry)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(telemetry);
        writer.WriteStartObject();
        writer.WriteString("deviceId"u8, telemetry.Key);
        writer.WriteString("ts"u8, telemetry.Timestamp.UtcDateTime);
        foreach (var (name, value) in telemetry.Metrics)
        {
            if (IsReserved(name))
            {
                throw new ArgumentException($"Metric '{name}' cannot be written: the name is reserved for the body's own properties.", nameof(telemetry));
            }

            if (!double.IsFinite(value))
            {
                throw new ArgumentException($"Metric '{name}' is not finite; JSON has no representation the decoder accepts.", nameof(telemetry));
            }

            writer.WriteNumber(name, value);
        }

        if (telemetry.Labels.Count > 0)
        {
            writer.WriteStartObject("labels"u8);
            foreach (var (name, value) in telemetry.Labels)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static bool IsReserved(string name)
    {
        foreach (var reserved in ReservedNames)
        {
            if (string.Equals(reserved, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
