using System.CommandLine;
using System.Globalization;
using Pipeline.Core.Rules;

namespace Pipeline.Cli;

/// <summary>
/// A command's flags as one table: each row is a flag's name, help text, parser and the setting of
/// <typeparamref name="TSettings"/> it sets, so help, parsing, the errors naming the flag and the mapping come from one
/// place. A flag left out leaves the setting's default, which lives in <typeparamref name="TSettings"/>.
/// </summary>
internal sealed class FlagTable<TSettings>
    where TSettings : new()
{
    private delegate bool TryParse<TValue>(string text, out TValue value);

    private readonly List<Symbol> _symbols = [];
    private readonly List<Action<ParseResult, TSettings>> _setters = [];

    public FlagTable<TSettings> Text(string name, string help, string helpName, Action<TSettings, string> set, bool required = false) =>
        Add(new Option<string>(name) { Description = help, HelpName = helpName, Required = required }, set);

    public FlagTable<TSettings> Switch(string name, string help, Action<TSettings, bool> set) =>
        Add(new Option<bool>(name) { Description = help }, set);

    public FlagTable<TSettings> Many(string name, string help, string helpName, Action<TSettings, string[]> set) =>
        Add(new Option<string[]>(name) { Description = help, HelpName = helpName }, set);

    public FlagTable<TSettings> Int(string name, string help, int min, int max, Action<TSettings, int> set) =>
        Parsed(name, help, "N", (string text, out int value) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max,
            string.Create(CultureInfo.InvariantCulture, $"must be a whole number from {min} to {max}"), set);

    public FlagTable<TSettings> Duration(string name, string help, Action<TSettings, TimeSpan> set) =>
        Parsed<TimeSpan>(name, help, "DURATION", DurationText.TryParse, "is not a duration like 30s, 5m, 1h30m", set);

    public FlagTable<TSettings> Url(string name, string help, Action<TSettings, Uri> set) =>
        Parsed(name, help, "URL", (string text, out Uri value) => Uri.TryCreate(text, UriKind.Absolute, out value!) && (value.Scheme == Uri.UriSchemeHttp || value.Scheme == Uri.UriSchemeHttps),
            "is not an absolute http or https URL", set);

    public FlagTable<TSettings> Time(string name, string help, Action<TSettings, DateTimeOffset> set) =>
        Parsed(name, help, "TIME", (string text, out DateTimeOffset value) =>
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value),
            "is not a time like 2026-01-01T00:00:00Z", set);

    /// <summary>One of <paramref name="allowed"/>.</summary>
    public FlagTable<TSettings> Choice(string name, string help, string[] allowed, Action<TSettings, string> set) =>
        Choices(name, help, allowed, (settings, values) => set(settings, values[0]), multiple: false);

    /// <summary>Several of <paramref name="allowed"/>, separated by spaces, commas or repeated flags (<c>--source sim,http</c>).</summary>
    public FlagTable<TSettings> Choices(string name, string help, string[] allowed, Action<TSettings, string[]> set, bool multiple = true) =>
        Add(new Option<string[]>(name)
        {
            Description = help + (multiple ? "; several allowed" : string.Empty),
            HelpName = string.Join("|", allowed),
            AllowMultipleArgumentsPerToken = multiple,
            CustomParser = result =>
            {
                var values = new List<string>();
                foreach (var part in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
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

                if (values.Count == 0 || (!multiple && values.Count > 1))
                {
                    result.AddError($"{name}: choose one of {string.Join(", ", allowed)}");
                    return [];
                }

                return [.. values];
            },
        }, set);

    public FlagTable<TSettings> Argument(string name, string help, Action<TSettings, string> set)
    {
        var argument = new Argument<string>(name) { Description = help };
        _symbols.Add(argument);
        _setters.Add((parse, settings) => set(settings, parse.GetValue(argument)!));
        return this;
    }

    public FlagTable<TSettings> Arguments(string name, string help, Action<TSettings, string[]> set)
    {
        var argument = new Argument<string[]>(name) { Description = help, Arity = ArgumentArity.OneOrMore };
        _symbols.Add(argument);
        _setters.Add((parse, settings) => set(settings, parse.GetValue(argument)!));
        return this;
    }

    /// <summary>The command: its action reads the flags given into new settings and runs <paramref name="run"/> with them.</summary>
    public Command Command(string name, string description, Func<TSettings, CancellationToken, Task<int>> run)
    {
        var command = new Command(name, description);
        foreach (var symbol in _symbols)
        {
            if (symbol is Option option)
            {
                command.Options.Add(option);
            }
            else
            {
                command.Arguments.Add((Argument)symbol);
            }
        }

        command.SetAction((parse, cancellationToken) =>
        {
            var settings = new TSettings();
            foreach (var set in _setters)
            {
                set(parse, settings);
            }

            return run(settings, cancellationToken);
        });
        return command;
    }

    private FlagTable<TSettings> Parsed<TValue>(string name, string help, string helpName, TryParse<TValue> tryParse, string mistake, Action<TSettings, TValue> set) =>
        Add(new Option<TValue>(name)
        {
            Description = help,
            HelpName = helpName,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
                if (tryParse(text, out var value))
                {
                    return value;
                }

                result.AddError($"{name}: '{text}' {mistake}");
                return default!;
            },
        }, set);

    private FlagTable<TSettings> Add<TValue>(Option<TValue> option, Action<TSettings, TValue> set)
    {
        _symbols.Add(option);
        _setters.Add((parse, settings) =>
        {
            if (parse.GetResult(option) is { Implicit: false })
            {
                set(settings, parse.GetValue(option)!);
            }
        });
        return this;
    }
}
