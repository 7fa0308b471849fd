using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Routing;
using Pipeline.Core.Processing;
using Pipeline.Dashboard.Api;
using Pipeline.Hosting;
using Pipeline.Hosting.Ingest;

namespace Pipeline.Cli;

/// <summary>The local server of <c>run</c> and <c>demo --serve</c>: HTTP ingest (when asked) and the dashboard on 127.0.0.1.</summary>
internal static class LocalServer
{
    public static async Task<LoopbackServer> StartAsync(PartitionedProcessor ingress, IRunClock clock, int port, long maxBodyBytes,
        bool ingest, ProcessorApiSource dashboard, CancellationToken cancellationToken, int maxRecords = TelemetryIngest.DefaultMaxRecords,
        Action<Exception>? processingFailed = null, Action<IEndpointRouteBuilder>? mapMore = null)
    {
        var endpoints = new TelemetryIngest(ingress, () => clock.Now, maxBodyBytes, maxRecords, processingFailed);
        try
        {
            return await LoopbackServer.StartAsync(port, app =>
            {
                endpoints.Map(app, acceptTelemetry: ingest);
                dashboard.Map(app);
                mapMore?.Invoke(app);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            throw new UserErrorException($"cannot listen on 127.0.0.1:{port}: {ex.Message} (choose another port with --http-port)", ex);
        }
        catch (Exception ex) when (ex is AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
        {
            // Kestrel usually wraps a busy port in an IOException, but a bind that loses a race can surface the transport's own error.
            throw new UserErrorException($"cannot listen on 127.0.0.1:{port}: {ex.Message} (choose another port with --http-port)", ex);
        }
    }
}
