using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Routing;
using Pipeline.Core.Processing;
using Pipeline.Dashboard.Api;
using Pipeline.Hosting.Ingest;

namespace Pipeline.Hosting.Live;

/// <summary>The local server of a live run and of a finished demo: HTTP ingest (when asked) and the dashboard on 127.0.0.1.</summary>
public static class LocalServer
{
    /// <exception cref="PortUnavailableException">Nothing can listen on the port (taken by another process, or not allowed).</exception>
    public static async Task<LoopbackServer> StartAsync(PartitionedProcessor ingress, IRunClock clock, int port, long maxBodyBytes,
        bool ingest, ProcessorApiSource dashboard, CancellationToken cancellationToken, int maxRecords = TelemetryIngest.DefaultMaxRecords,
        Action<Exception>? processingFailed = null, Action<IEndpointRouteBuilder>? mapMore = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(dashboard);
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
            throw new PortUnavailableException(port, ex);
        }
        catch (Exception ex) when (ex is AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
        {
            // Kestrel usually wraps a busy port in an IOException, but a bind that loses a race can surface the transport's own error.
            throw new PortUnavailableException(port, ex);
        }
    }
}

/// <summary>The local server cannot listen on its port; the message names the port and the system's reason, for the shell to add its own advice.</summary>
public sealed class PortUnavailableException : Exception
{
    public PortUnavailableException()
    {
    }

    public PortUnavailableException(string message)
        : base(message)
    {
    }

    public PortUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PortUnavailableException(int port, Exception innerException)
        : base($"cannot listen on 127.0.0.1:{port}: {innerException?.Message}", innerException)
    {
        Port = port;
    }

    /// <summary>The port asked for.</summary>
    public int Port { get; }
}
