using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Pipeline.Core.Events;
using Pipeline.Core.State;

namespace Pipeline.Local;

/// <summary>
/// Keeps dead letters in a JSON Lines file, one object per line:
/// <c>{"id","reason","detail","partition","sequenceNumber","enqueuedTime","recordedAt","encoding","body"}</c>.
/// The body is the raw text when it is valid UTF-8 (<c>"encoding":"utf-8"</c>) and base64 otherwise
/// (<c>"encoding":"base64"</c>), so a person can read the file and a tool can recover the exact bytes.
/// Adding an id among the last <see cref="RememberedIds"/> written (or found in the file when it opened) changes
/// nothing; older ids are forgotten, so an endless run fed bad input keeps flat memory. Thread-safe.
/// </summary>
public sealed class JsonLinesDeadLetterStore : IDeadLetterStore, IAsyncDisposable, IDisposable
{
    private const string Utf8Encoding = "utf-8";
    private const string Base64Encoding = "base64";

    // Bodies are kept for people to read: non-ASCII text stays as it is instead of \uXXXX escapes.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly RecentIds _ids = new();
    private FileStream? _stream;
    private bool _loaded;
    private bool _disposed;

    public JsonLinesDeadLetterStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>Dead letters this instance appended (not counting ones already in the file).</summary>
    public long Written { get; private set; }

    /// <summary>How many of the most recently written ids are remembered to skip repeats; bounds the memory this takes.</summary>
    public int RememberedIds { get; init; } = DefaultRememberedIds;

    /// <summary>Enough for every letter a redelivered batch or a resent request repeats, at about 100 bytes each.</summary>
    public const int DefaultRememberedIds = 100_000;

    /// <summary>Ids remembered now (at most <see cref="RememberedIds"/>).</summary>
    public int Remembered
    {
        get
        {
            _gate.Wait();
            try
            {
                return _ids.Count;
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    public async Task AddAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetters);
        if (deadLetters.Count == 0)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new ArrayBufferWriter<byte>(deadLetters.Count * 512);
            // A set, not a list: one request can carry 100,000 bad records, and a list lookup per id made that quadratic.
            var added = new HashSet<string>(StringComparer.Ordinal);
            var order = new List<string>();
            foreach (var letter in deadLetters)
            {
                ArgumentNullException.ThrowIfNull(letter);
                ArgumentException.ThrowIfNullOrEmpty(letter.Id);
                if (_ids.Contains(letter.Id) || !added.Add(letter.Id))
                {
                    continue;
                }

                order.Add(letter.Id);

                using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
                {
                    Write(writer, letter);
                }

                buffer.Write("\n"u8);
            }

            if (added.Count == 0)
            {
                return;
            }

            await _stream!.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);

            // Only ids that reached the file count as stored: a failed write can be retried.
            foreach (var id in order)
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

    public async Task<IReadOnlyList<DeadLetter>> QueryAsync(DateTimeOffset since, DateTimeOffset until, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        if (until <= since || max == 0)
        {
            return [];
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var matches = new List<DeadLetter>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var letter in ReadFileAsync(Path, cancellationToken).ConfigureAwait(false))
            {
                // The first record of an id stands, as in AddAsync (a file may hold copies from an earlier process).
                if (seen.Add(letter.Id) && letter.RecordedAt >= since && letter.RecordedAt < until)
                {
                    matches.Add(letter);
                }
            }

            return matches
                .OrderBy(d => d.RecordedAt.UtcTicks)
                .ThenBy(d => d.Id, StringComparer.Ordinal)
                .Take(max)
                .ToList();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Retention: rewrites the file without the dead letters recorded before <paramref name="olderThan"/> (and without
    /// a torn last line). The new file replaces the old one in one rename, so a crash leaves one or the other whole.
    /// </summary>
    public async Task<int> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!File.Exists(Path))
            {
                return 0;
            }

            // Appends go to the new file from here on: the stream is reopened by the next AddAsync.
            if (_stream is not null)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
                _stream = null;
            }

            var removed = 0;
            // The newest ids of what is kept, as many as are remembered (the file may hold far more).
            var kept = new Queue<string>();
            var temporary = Path + ".purge";
            var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, useAsync: true);
            await using (output.ConfigureAwait(false))
            {
                var input = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
                await using (input.ConfigureAwait(false))
                {
                    using var reader = new StreamReader(input, Encoding.UTF8);
                    var writer = new StreamWriter(output, new UTF8Encoding(false)) { NewLine = "\n" };
                    await using (writer.ConfigureAwait(false))
                    {
                        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
                        {
                            if (!TryParse(line, out var letter))
                            {
                                continue;
                            }

                            if (letter.RecordedAt < olderThan)
                            {
                                removed++;
                                continue;
                            }

                            // The line as it was: rewriting must not change a byte of what is kept.
                            await writer.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
                            kept.Enqueue(letter.Id);
                            if (kept.Count > RememberedIds)
                            {
                                kept.Dequeue();
                            }
                        }
                    }
                }
            }

            File.Move(temporary, Path, overwrite: true);
            _ids.Clear();
            foreach (var id in kept)
            {
                Remember(id);
            }

            _loaded = true;
            return removed;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads every well-formed record of a dead-letter file; a torn last line (a crash mid-write) is skipped.</summary>
    public static async IAsyncEnumerable<DeadLetter> ReadFileAsync(string path,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            yield break;
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (TryParse(line, out var letter))
                {
                    yield return letter;
                }
            }
        }
    }

    /// <summary>Parses one line written by this store.</summary>
    public static bool TryParse(string line, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out DeadLetter? letter)
    {
        letter = null;
        if (string.IsNullOrWhiteSpace(line))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var encoding = root.TryGetProperty("encoding", out var e) ? e.GetString() : Utf8Encoding;
            var bodyText = root.GetProperty("body").GetString() ?? string.Empty;
            byte[] body = encoding == Base64Encoding ? Convert.FromBase64String(bodyText) : Encoding.UTF8.GetBytes(bodyText);
            if (!Enum.TryParse<DeadLetterReason>(root.GetProperty("reason").GetString(), ignoreCase: true, out var reason))
            {
                return false;
            }

            letter = new DeadLetter(
                root.GetProperty("id").GetString() ?? string.Empty,
                body,
                new SourcePosition(
                    root.GetProperty("partition").GetString() ?? string.Empty,
                    root.GetProperty("sequenceNumber").GetInt64(),
                    root.GetProperty("enqueuedTime").GetDateTimeOffset()),
                reason,
                root.GetProperty("detail").GetString() ?? string.Empty,
                root.GetProperty("recordedAt").GetDateTimeOffset());
            return letter.Id.Length > 0;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Writes one dead letter as a JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, DeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(letter);
        writer.WriteStartObject();
        writer.WriteString("id", letter.Id);
        writer.WriteString("reason", JsonNamingPolicy.CamelCase.ConvertName(letter.Reason.ToString()));
        writer.WriteString("detail", letter.Detail);
        writer.WriteString("partition", letter.Source.Partition);
        writer.WriteNumber("sequenceNumber", letter.Source.SequenceNumber);
        writer.WriteString("enqueuedTime", Format(letter.Source.EnqueuedTime));
        writer.WriteString("recordedAt", Format(letter.RecordedAt));
        var body = letter.Body.Span;
        if (Utf8.IsValid(body))
        {
            writer.WriteString("encoding", Utf8Encoding);
            writer.WriteString("body", body);
        }
        else
        {
            writer.WriteString("encoding", Base64Encoding);
            writer.WriteBase64String("body", body);
        }

        writer.WriteEndObject();
    }

    // UTC with all seven fractional digits: records sort as text and round-trip to the tick.
    private static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Remembers <paramref name="id"/> as the newest, forgetting the oldest beyond <see cref="RememberedIds"/>.</summary>
    private void Remember(string id) => _ids.Remember(id, RememberedIds);

    private async Task EnsureOpenAsync(CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            // Ids already in the file (an earlier run) are not written twice.
            await foreach (var letter in ReadFileAsync(Path, cancellationToken).ConfigureAwait(false))
            {
                Remember(letter.Id);
            }

            _loaded = true;
        }

        if (_stream is null)
        {
            var directory = System.IO.Path.GetDirectoryName(Path);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            _stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 64 * 1024, useAsync: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            if (_stream is not null)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
                _stream = null;
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
            _disposed = true;
            _stream?.Dispose();
            _stream = null;
        }
        finally
        {
            _gate.Release();
        }
    }
}
