using System.Buffers;
using Pipeline.Core.Events;

namespace Pipeline.Local;

/// <summary>Telemetry recorded to a JSON Lines file (one object per line), the input of a replay.</summary>
public static class TelemetryRecording
{
    /// <summary>Writes <paramref name="events"/> to a new file at <paramref name="path"/>; the number written.</summary>
    public static async Task<long> WriteAsync(string path, IEnumerable<Telemetry> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        long count = 0;
        var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new ArrayBufferWriter<byte>(256 * 1024);
            foreach (var e in events)
            {
                TelemetryEncoder.Write(buffer, e);
                buffer.Write("\n"u8);
                count++;
                if (buffer.WrittenCount > 192 * 1024)
                {
                    await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
                    buffer.ResetWrittenCount();
                }
            }

            await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }

        return count;
    }
}
