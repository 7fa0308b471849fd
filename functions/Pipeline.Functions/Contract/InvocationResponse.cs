using System.Text.Json;

namespace Pipeline.Functions.Contract;

/// <summary>
/// The body a custom handler answers a trigger invocation with: <c>{"Outputs":{},"Logs":[…],"ReturnValue":null}</c>.
/// The host writes <c>Logs</c> to its own log (Application Insights). No function here has output bindings.
/// </summary>
public static class InvocationResponse
{
    public const string ContentType = "application/json; charset=utf-8";

    public static byte[] Create(IReadOnlyList<string> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("Outputs");
            writer.WriteEndObject();
            writer.WriteStartArray("Logs");
            foreach (var line in logs)
            {
                writer.WriteStringValue(line);
            }

            writer.WriteEndArray();
            writer.WriteNull("ReturnValue");
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
