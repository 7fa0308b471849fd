using Pipeline.Local;

namespace Pipeline.Cli;

/// <summary>Opens the JSON Lines inputs of <c>run --source file</c> and <c>replay</c>; Pipeline.Local's <c>LineInput</c> reads them.</summary>
internal static class LineSource
{
    /// <summary>A recorded telemetry file, opened for reading while another process may still append to it.</summary>
    public static FileStream OpenFile(string path) => InputFile.OpenShared(path, "telemetry file");
}
