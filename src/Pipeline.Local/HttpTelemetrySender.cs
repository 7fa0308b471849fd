using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using Pipeline.Core.Events;

namespace Pipeline.Local;

/// <summary>
/// Sends telemetry to an HTTP ingest endpoint (<c>POST /telemetry</c>), one NDJSON request per batch, and counts what
/// was accepted. A refused or failed request is counted and told to <paramref name="failed"/>; it never stops the sender.
/// </summary>
public sealed class HttpTelemetrySender(HttpClient http, Uri target, Action<string> failed)
{
    /// <summary>Events in requests the endpoint accepted.</summary>
    public long Sent { get; private set; }

    /// <summary>Events in requests the endpoint answered with an error.</summary>
    public long Rejected { get; private set; }

    public long Requests { get; private set; }

    public long FailedRequests { get; private set; }

    public async Task SendAsync(IReadOnlyList<Telemetry> batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var body = new ArrayBufferWriter<byte>(batch.Count * 200);
        foreach (var e in batch)
        {
            TelemetryEncoder.Write(body, e);
            body.Write("\n"u8);
        }

        Requests++;
        try
        {
            using var content = new ByteArrayContent(body.WrittenSpan.ToArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson") { CharSet = "utf-8" };
            using var response = await http.PostAsync(target, content, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                Sent += batch.Count;
                return;
            }

            FailedRequests++;
            Rejected += batch.Count;
            var problem = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).ReplaceLineEndings(" ");
            failed(string.Create(CultureInfo.InvariantCulture, $"{target} answered {(int)response.StatusCode}: {(problem.Length <= 300 ? problem : problem[..300] + "…")}"));
        }
        catch (HttpRequestException ex)
        {
            FailedRequests++;
            failed($"cannot send to {target}: {ex.Message}");
        }
    }
}
