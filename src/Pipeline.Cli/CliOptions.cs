using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Pipeline.Core.Rules;

namespace Pipeline.Cli;

/// <summary>Option builders shared by the commands, with parsers that give one clear message per mistake.</summary>
internal static class CliOptions
{
    public static Option<TimeSpan?> Duration(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "DURATION",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : null;
            if (DurationText.TryParse(text, out var value))
            {
                return value;
            }

            result.AddError($"{name}: '{text}' is not a duration like 30s, 5m, 1h30m");
            return null;
        },
    };

    /// <summary>
    /// A choice; with <paramref name="multiple"/>, several values separated by spaces, commas or repeated options
    /// (<c>--source sim,http</c>). Absent, the value is null and the caller applies its default (named in the help).
    /// </summary>
    public static Option<string[]?> Choices(string name, string description, string[] allowed, string[] defaults, bool multiple = true) => new(name)
    {
        Description = description + (multiple ? "; several allowed" : string.Empty) + " (default " + string.Join(",", defaults) + ")",
        HelpName = string.Join("|", allowed),
        AllowMultipleArgumentsPerToken = multiple,
        CustomParser = result =>
        {
            var values = new List<string>();
            foreach (var token in result.Tokens)
            {
                foreach (var part in token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var value = part.ToLowerInvariant();
                    if (!allowed.Contains(value, StringComparer.Ordinal))
                    {
                        result.AddError($"{name}: '{part}' is not one of {string.Join(", ", allowed)}");
                        return [];
                    }

                    if (!values.Contains(value, StringComparer.Ordinal))
                    {
                        values.Add(value);
                    }
                }
            }

            if (!multiple && values.Count > 1)
            {
                result.AddError($"{name}: choose one of {string.Join(", ", allowed)}");
                return [];
            }

            return values.Count == 0 ? defaults : [.. values];
        },
    };

    public static Option<int> Int(string name, string description, int defaultValue, int min, int max) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
            {
                return value;
            }

            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name}: '{text}' must be a whole number from {min} to {max}"));
            return defaultValue;
        },
    };

    public static Option<Uri?> Url(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "URL",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }

            result.AddError($"{name}: '{text}' is not an absolute http or https URL");
            return null;
        },
    };

    public static Option<string?> Text(string name, string description, string helpName = "VALUE") => new(name)
    {
        Description = description,
        HelpName = helpName,
    };

    public static Option<DateTimeOffset?> Time(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "TIME",
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
            {
                return value;
            }

            result.AddError($"{name}: '{text}' is not a time like 2026-01-01T00:00:00Z");
            return null;
        },
    };

    /// <summary>The values of a <see cref="Choices"/> option, or <paramref name="defaults"/> when it was not given.</summary>
    public static string[] ValueOr(ParseResult parse, Option<string[]?> option, string[] defaults) =>
        parse.GetValue(option) is { Length: > 0 } values ? values : defaults;
}
