using System.Globalization;
using System.Text;
using Pipeline.Core.Alerts;

namespace Pipeline.Local;

/// <summary>
/// Writes one readable line per alert transition, e.g.
/// <c>2025-03-01 12:03:00Z  FIRED      critical  overheat              chiller-17  avg(temperature) > 85 (value 86.2) [override:site=plant-7]</c>.
/// Lines are coloured by severity with ANSI codes only when asked to (a terminal); redirected output stays plain text.
/// </summary>
public sealed class ConsoleAlertSink : IAlertSink
{
    private const string Reset = "\u001b[0m";

    // Rule ids are padded to this width so the device column lines up for typical ids.
    private const int RuleColumn = 22;

    private readonly TextWriter _writer;
    private readonly Lock _lock = new();

    public ConsoleAlertSink(TextWriter writer, bool color)
    {
        _writer = writer ?? throw new ArgumentNullException(nameof(writer));
        Color = color;
    }

    /// <summary>Whether lines carry ANSI colour codes.</summary>
    public bool Color { get; }

    /// <summary>
    /// A sink on standard output, coloured only when it is a terminal and <c>NO_COLOR</c> is not set
    /// (https://no-color.org), so redirected output and log files never contain escape codes.
    /// </summary>
    public static ConsoleAlertSink ForConsole() => new(Console.Out, ShouldColor(Console.IsOutputRedirected));

    /// <summary>The colour decision for a stream: not redirected, and no <c>NO_COLOR</c> in the environment.</summary>
    public static bool ShouldColor(bool redirected) =>
        !redirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    public Task PublishAsync(IReadOnlyList<AlertEvent> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        cancellationToken.ThrowIfCancellationRequested();
        var text = new StringBuilder();
        foreach (var alert in alerts)
        {
            var line = Format(alert);
            if (Color)
            {
                text.Append(ColorOf(alert)).Append(line).Append(Reset);
            }
            else
            {
                text.Append(line);
            }

            text.Append('\n');
        }

        lock (_lock)
        {
            // One write per batch, so concurrent batches do not interleave mid-line.
            _writer.Write(text.ToString());
            _writer.Flush();
        }

        return Task.CompletedTask;
    }

    /// <summary>The plain-text line for one transition (also used by the CLI's timeline).</summary>
    public static string Format(AlertEvent alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var d = alert.Data;
        var line = new StringBuilder(128);
        line.Append(alert.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        line.Append("  ").Append(d.Transition.ToString().ToUpperInvariant().PadRight(11));
        line.Append(SeverityName(d.Severity).PadRight(10));
        line.Append(d.RuleId).Append(' ', Math.Max(2, RuleColumn - d.RuleId.Length)).Append(d.Key);
        if (d.Transition != AlertTransitionKind.Resolved && d.Condition.Length > 0)
        {
            line.Append("  ").Append(d.Condition);
            if (d.Value is { } value)
            {
                line.Append(" (value ").Append(FormatNumber(value)).Append(')');
            }

            if (d.ConditionSource.Length > 0 && d.ConditionSource != "rule")
            {
                line.Append(" [").Append(d.ConditionSource).Append(']');
            }
        }
        else if (d.Transition == AlertTransitionKind.Resolved)
        {
            line.Append("  after ").Append(FormatDuration(alert.Time - d.StartsAt));
        }

        if (d.Late)
        {
            line.Append(" (late data)");
        }

        return line.ToString();
    }

    public static string SeverityName(Severity severity) => severity.ToString().ToLowerInvariant();

    private static string ColorOf(AlertEvent alert) => alert.Kind switch
    {
        AlertTransitionKind.Resolved => "\u001b[32m", // green: back to normal
        _ => alert.Data.Severity switch
        {
            Severity.Critical => "\u001b[1;31m", // bold red
            Severity.Error => "\u001b[31m",
            Severity.Warning => "\u001b[33m",
            _ => "\u001b[36m",
        },
    };

    private static string FormatNumber(double value) =>
        Math.Round(value, 3).ToString("0.###", CultureInfo.InvariantCulture);

    private static string FormatDuration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        return span.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h{span.Minutes:00}m{span.Seconds:00}s")
            : span.TotalMinutes >= 1
                ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}m{span.Seconds:00}s")
                : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#}s");
    }
}
