namespace Pipeline.Cli;

/// <summary>Opens the JSON Lines inputs of <c>run --source file</c> and <c>replay</c>; Pipeline.Local's <c>LineInput</c> reads them.</summary>
internal static class LineSource
{
    /// <summary>A recorded telemetry file, opened for reading while another process may still append to it.</summary>
    public static FileStream OpenFile(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, useAsync: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UserErrorException(ex is FileNotFoundException or DirectoryNotFoundException ? $"telemetry file '{path}' not found" : $"cannot read telemetry file '{path}': {ex.Message}", ex);
        }
    }
}
