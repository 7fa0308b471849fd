using System.Diagnostics;
using System.Globalization;

namespace Pipeline.Cli;

/// <summary>A one-line progress bar on a terminal, redrawn at most ten times a second.</summary>
internal sealed class ProgressBar(TextWriter output, long total)
{
    private const int Width = 30;
    private long _lastDraw = long.MinValue;

    public void Report(long done, long events)
    {
        var now = Stopwatch.GetTimestamp();
        if (_lastDraw != long.MinValue && Stopwatch.GetElapsedTime(_lastDraw, now) < TimeSpan.FromMilliseconds(100))
        {
            return;
        }

        _lastDraw = now;
        var fraction = total <= 0 ? 1 : Math.Clamp((double)done / total, 0, 1);
        var filled = (int)(fraction * Width);
        output.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r[{new string('#', filled)}{new string('.', Width - filled)}] {fraction * 100,5:0.0}%  {events:N0} events"));
        output.Flush();
    }

    public void Complete()
    {
        _lastDraw = long.MinValue;
        output.Write("\r" + new string(' ', Width + 40) + "\r");
        output.Flush();
    }
}
