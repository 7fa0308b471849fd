using System.Buffers;
using System.Text.Json;
using Pipeline.Core.Alerts;

namespace Pipeline.Local;

/// <summary>
/// Appends each alert CloudEvent as one line of JSON to a file (JSON Lines). A batch is written and flushed
/// before <see cref="PublishAsync"/> returns, so a returned call means the alerts reached the operating system.
/// Safe to call from several threads; each batch lands contiguously.
/// <para>
/// Idempotent by alert id: an alert whose id is among the last <see cref="RememberedIds"/> written (in this run or, for a
/// file, already in it when the sink opened) is skipped. A fan-out's record of which sink took which alert ends with
/// the run, so the next run offers its outbox to every sink again; this keeps those alerts from appearing twice.
/// </para>
/// </summary>
public sealed class JsonLinesAlertSink : IAlertSink, IAsyncDisposable, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly RecentIds _ids = new();
    private bool _loaded;
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
        _loaded = !append;
    }

    /// <summary>Writes to <paramref name="stream"/> (stdout, a pipe, a memory stream in tests).</summary>
    public JsonLinesAlertSink(Stream stream, bool leaveOpen = false)
    {
        _stream = stream ?? throw new ArgumentNullException(nameof(stream));
        _leaveOpen = leaveOpen;
        Path = null;
        _loaded = true;
    }

    /// <summary>The full path of the file, or null when writing to a caller's stream.</summary>
    public string? Path { get; }

    /// <summary>Events written so far by this instance (alerts skipped as already written do not count).</summary>
    public long Written { get; private set; }

    /// <summary>How many of the most recently written ids are remembered to skip repeats; bounds the memory this takes.</summary>
    public int RememberedIds { get; init; } = DefaultRememberedIds;

    /// <summary>Enough for every alert that can wait in outboxes between two runs, at about 100 bytes each.</summary>
    public const int DefaultRememberedIds = 100_000;

    public async Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        if (alerts.Count == 0)
        {
            return;
        }

        foreach (var alert in alerts)
        {
            ArgumentNullException.ThrowIfNull(alert);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await LoadIdsAsync(cancellationToken).ConfigureAwait(false);

            // Serialize the whole batch first, so a batch is one write and cannot interleave with another.
            var buffer = new ArrayBufferWriter<byte>(alerts.Count * 1024);
            var added = new List<string>(alerts.Count);
            var inBatch = new HashSet<string>(StringComparer.Ordinal);
            foreach (var alert in alerts)
            {
                if (_ids.Contains(alert.Id) || !inBatch.Add(alert.Id))
                {
                    continue;
                }

                using (var writer = new Utf8JsonWriter(buffer, AlertEvent.WriterOptions))
                {
                    alert.WriteTo(writer);
                }

                buffer.Write("\n"u8);
                added.Add(alert.Id);
            }

            if (added.Count == 0)
            {
                return;
            }

            await _stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);

            // Only ids that reached the file are remembered: a failed write is written again on retry.
            foreach (var id in added)
            {
                Remember(id);
            }

            Written += added.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Retention for an alerts file, applied before a sink opens it (at the start of a run): rewrites the file without
    /// the alerts whose time is before <paramref name="olderThan"/> and without unreadable lines, replacing it in one
    /// rename so a crash leaves one file or the other whole. Returns how many alerts were removed.
    /// </summary>
    public static async Task<int> PurgeFileAsync(string path, DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            return 0;
        }

        var removed = 0;
        var temporary = path + ".purge";
        var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
        await using (output.ConfigureAwait(false))
        {
            var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
            await using (input.ConfigureAwait(false))
            {
                using var reader = new StreamReader(input, System.Text.Encoding.UTF8);
                var writer = new StreamWriter(output, new System.Text.UTF8Encoding(false)) { NewLine = "\n" };
                await using (writer.ConfigureAwait(false))
                {
                    while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                    {
                        if (TryReadTime(line) is not { } time)
                        {
                            continue;
                        }

                        if (time < olderThan)
                        {
                            removed++;
                            continue;
                        }

                        await writer.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        File.Move(temporary, path, overwrite: true);
        return removed;
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

    private void Remember(string id) => _ids.Remember(id, RememberedIds);

    /// <summary>Remembers the ids already in the file (an earlier run), once, before the first write.</summary>
    private async Task LoadIdsAsync(CancellationToken cancellationToken)
    {
        if (_loaded)
        {
            return;
        }

        _loaded = true;
        var stream = new FileStream(Path!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (TryReadId(line) is { } id)
                {
                    Remember(id);
                }
            }
        }
    }

    private static DateTimeOffset? TryReadTime(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && document.RootElement.TryGetProperty("time", out var time) && time.TryGetDateTimeOffset(out var value)
                ? value
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // A torn last line (a crash mid-write) has no readable id and is simply not remembered.
    private static string? TryReadId(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && document.RootElement.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
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
