using System.Security.Cryptography;
using Pipeline.Core.Alerts.Silences;

namespace Pipeline.Local;

/// <summary>
/// Silences in one JSON file (default <c>silences.json</c> beside the rule file). A write holds the file exclusively
/// and goes through only if the content is still what was read (compared by hash), so two processes adding silences at
/// once both keep theirs.
/// </summary>
public sealed class JsonFileSilenceStore(string path) : SilenceDocumentStore
{
    private const int OpenAttempts = 50;

    public string Path { get; } = path ?? throw new ArgumentNullException(nameof(path));

    protected override async Task<(byte[]? Document, string? Version)> ReadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return (null, null);
        }

        await using var stream = await OpenAsync(FileMode.Open, FileAccess.Read, cancellationToken).ConfigureAwait(false);
        var bytes = await ReadAllAsync(stream, cancellationToken).ConfigureAwait(false);
        return bytes.Length == 0 ? (null, null) : (bytes, Hash(bytes));
    }

    protected override async Task<bool> TryWriteAsync(byte[] document, string? version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }

        await using var stream = await OpenAsync(FileMode.OpenOrCreate, FileAccess.ReadWrite, cancellationToken).ConfigureAwait(false);
        var current = await ReadAllAsync(stream, cancellationToken).ConfigureAwait(false);
        if ((current.Length == 0 ? null : Hash(current)) != version)
        {
            return false;
        }

        stream.SetLength(0);
        await stream.WriteAsync(document, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<FileStream> OpenAsync(FileMode mode, FileAccess access, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Exclusive: a reader never sees a half-written file, and a writer's check and write are one step.
                return new FileStream(Path, mode, access, FileShare.None, 4096, useAsync: true);
            }
            catch (IOException) when (attempt < OpenAttempts && File.Exists(Path))
            {
                // Another process holds the file for a moment; wait for it rather than fail the command.
                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<byte[]> ReadAllAsync(FileStream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        stream.Position = 0;
        return buffer.ToArray();
    }

    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}
