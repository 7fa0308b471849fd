namespace Pipeline.Dashboard.Api;

/// <summary>
/// The short reason an HTTP answer gives for a failure. Storage and service errors carry request ids, timestamps and
/// response headers after their first line; those belong in the log (with the whole exception), not in an answer.
/// </summary>
public static class ErrorReason
{
    /// <summary>Longest reason an answer carries.</summary>
    public const int MaxLength = 200;

    /// <summary>The first line of the innermost exception's message, at most <see cref="MaxLength"/> characters.</summary>
    public static string Of(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Of(exception.GetBaseException().Message);
    }

    /// <summary>The first line of <paramref name="message"/>, at most <see cref="MaxLength"/> characters.</summary>
    public static string Of(string? message)
    {
        var text = message ?? string.Empty;
        var end = text.AsSpan().IndexOfAny('\r', '\n');
        var line = (end < 0 ? text : text[..end]).Trim();
        if (line.Length == 0)
        {
            return "unknown error";
        }

        return line.Length <= MaxLength ? line : string.Concat(line.AsSpan(0, MaxLength - 1), "…");
    }
}
