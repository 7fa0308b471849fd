using System.Buffers;
using System.Text.Json;
using Pipeline.Core.Alerts;

namespace Pipeline.Local;

/// <summary>
/// Appends each alert CloudEvent as one line of JSON to a file (JSON Lines). A batch is written and flushed
/// before <see cref="PublishAsync"/> returns, so a returned call means the alerts reached the operating system.
/// Safe to call from several threads; each batch lands contiguously.
/// </summary>
public sealed class JsonLinesAlertSink : IAlertSink, IAsyncDisposable, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private bool _disposed;

    /// <summary>Opens <paramref name="path"/> for appending (or truncates it first when <paramref name="append"/> is false).</summary>
    public JsonLinesAlertSink(string path, bool append = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // Readers (tail -f, tests, QueryAsync-style tools) may open the file while it is being written.
        _stream = new FileStream(Path, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.ReadWrite, 64 * 1024, useAsync: true);
    }

    /// <summary>Writes to <paramref name="stream"/> (stdout, a pipe, a memory stream in tests).</summary>
    public JsonLinesAlertSink(Stream stream, bool leaveOpen = false)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _leaveOpen = leaveOpen;
        Path = null;
    }

    /// <summary>The full path of the file, or null when writing to a caller's stream.</summary>
    public string? Path { get; }

    /// <summary>Events written so far by this instance.</summary>
    public long Written { get; private set; }

    public async Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        if (alerts.Count == 0)
        {
            return;
        }

        // Serialize the whole batch first, so a batch is one write and cannot interleave with another.
        var buffer = new ArrayBufferWriter<byte>(alerts.Count * 1024);
        foreach (var alert in alerts)
        {
            ArgumentNullException.ThrowIfNull(alert);
            using (var writer = new Utf8JsonWriter(buffer, AlertEvent.WriterOptions))
            {
                alert.WriteTo(writer);
            }

            buffer.Write("\n"u8);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await _stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            Written += alerts.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads every alert of a JSON Lines file written by this sink (blank lines are skipped).</summary>
    public static async Task<IReadOnlyList<AlertEvent>> ReadAllAsync(string path, CancellationToken cancellationToken = default)
    {
        var result = new List<AlertEvent>();
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (line.Length > 0)
                {
                    result.Add(AlertEvent.Parse(System.Text.Encoding.UTF8.GetBytes(line)));
                }
            }
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (!_leaveOpen)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _gate.Wait();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (!_leaveOpen)
            {
                _stream.Dispose();
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
