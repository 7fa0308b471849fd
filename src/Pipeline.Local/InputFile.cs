namespace Pipeline.Local;

/// <summary>
/// A file a command reads as its input (rules, rule tests, a recording, telemetry). One that cannot be read becomes an
/// <see cref="InputFileException"/> whose message names what the file is, its path and why, so every command tells a
/// person the same way: <c>WHAT 'PATH' not found</c>, <c>WHAT 'PATH' is a directory</c> or
/// <c>cannot read WHAT 'PATH': REASON</c>.
/// </summary>
public static class InputFile
{
    /// <summary>Throws unless <paramref name="path"/> is a file, for a command that only checks it before reading it later.</summary>
    public static void MustExist(string path, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new InputFileException(Missing(path, what));
        }
    }

    public static string ReadAllText(string path, string what) => Read(path, what, File.ReadAllText);

    public static Task<byte[]> ReadAllBytesAsync(string path, string what, CancellationToken cancellationToken) =>
        ReadAsync(path, what, p => File.ReadAllBytesAsync(p, cancellationToken));

    /// <summary>A file opened for reading while another process may still append to it (a recording being written).</summary>
    public static FileStream OpenShared(string path, string what) =>
        Read(path, what, p => new FileStream(p, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, useAsync: true));

    /// <summary>Runs <paramref name="read"/> on <paramref name="path"/>, telling a file that cannot be read as an <see cref="InputFileException"/>.</summary>
    public static T Read<T>(string path, string what, Func<string, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return read(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, what, ex);
        }
    }

    /// <inheritdoc cref="Read{T}"/>
    public static async Task<T> ReadAsync<T>(string path, string what, Func<string, Task<T>> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return await read(path).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Unreadable(path, what, ex);
        }
    }

    private static InputFileException Unreadable(string path, string what, Exception ex) =>
        ex is FileNotFoundException or DirectoryNotFoundException || Directory.Exists(path)
            ? new InputFileException(Missing(path, what), ex)
            : new InputFileException($"cannot read {what} '{path}': {ex.Message}", ex);

    private static string Missing(string path, string what) =>
        Directory.Exists(path) ? $"{what} '{path}' is a directory" : $"{what} '{path}' not found";
}

/// <summary>An input file that is missing or cannot be read; the message names what it is, its path and why.</summary>
public sealed class InputFileException : IOException
{
    public InputFileException()
    {
    }

    public InputFileException(string message)
        : base(message)
    {
    }

    public InputFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
