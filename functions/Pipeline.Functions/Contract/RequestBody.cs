using Microsoft.AspNetCore.Http;

namespace Pipeline.Functions.Contract;

/// <summary>Reads a whole request body into one buffer (invocations are parsed as one JSON document).</summary>
internal static class RequestBody
{
    /// <summary>The body, or null when it is longer than <paramref name="maxBytes"/>.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } declared && declared > maxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream(request.ContentLength is { } length and > 0 ? (int)Math.Min(length, maxBytes) : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    /// <summary>An invocation body: only the local Functions host can reach the handler, so no limit beyond memory.</summary>
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpRequest request, CancellationToken cancellationToken) =>
        await ReadAsync(request, int.MaxValue, cancellationToken).ConfigureAwait(false) ?? ReadOnlyMemory<byte>.Empty;
}
