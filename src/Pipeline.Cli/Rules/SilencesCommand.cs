using System.CommandLine;
using System.Globalization;
using Pipeline.Core.Alerts.Silences;
using Pipeline.Local;

namespace Pipeline.Cli.Rules;

/// <summary>
/// <c>pipeline silences add|list|expire</c> on the silences file (default <c>silences.json</c> in the current folder,
/// which <c>run</c>, <c>demo</c> and <c>replay</c> read and the local server's <c>/api/silences</c> changes). Exit 0 on success, 1 when <c>expire</c> names no silence,
/// 2 on a usage error or an invalid silence (each bad field named).
/// </summary>
internal static class SilencesCommand
{
    public static Command Create(CliIo io)
    {
        var silences = new Command("silences", "Suppress notifications for a while: add, list and expire silences");
        silences.Subcommands.Add(Add(io));
        silences.Subcommands.Add(List(io));
        silences.Subcommands.Add(Expire(io));
        return silences;
    }

    private static Option<string> FileOption() => new("--file") { Description = "The silences file (default silences.json)", HelpName = "FILE" };

    private static Command Add(CliIo io)
    {
        var file = FileOption();
        var id = new Option<string>("--id") { Description = "Id of the silence (default: a new random one)", HelpName = "ID" };
        var rule = new Option<string>("--rule") { Description = "Silence this rule (default: every rule)", HelpName = "RULE" };
        var device = new Option<string>("--device") { Description = "Silence this device (default: every device)", HelpName = "DEVICE" };
        var labels = new Option<string[]>("--label") { Description = "Only alerts with this label value; repeatable", HelpName = "NAME=VALUE" };
        var startsAt = new Option<DateTimeOffset?>("--starts-at") { Description = "Start, ISO 8601 with offset (default now)", HelpName = "TIME" };
        var endsAt = new Option<DateTimeOffset?>("--ends-at") { Description = "End, ISO 8601 with offset", HelpName = "TIME" };
        var duration = CliOptions.Duration("--for", "How long from the start, e.g. 2h (instead of --ends-at)");
        var author = new Option<string>("--author") { Description = "Who silences (required)", HelpName = "NAME" };
        var comment = new Option<string>("--comment") { Description = "Why", HelpName = "TEXT" };
        var command = new Command("add", "Add a silence: matching alerts are evaluated and recorded but not notified until it ends");
        foreach (var option in new Option[] { file, id, rule, device, labels, startsAt, endsAt, duration, author, comment })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, ct) =>
        {
            var now = io.Context.Time.GetUtcNow();
            var start = parse.GetValue(startsAt) ?? now;
            if (parse.GetValue(endsAt) is not null && parse.GetValue(duration) is not null)
            {
                throw new UserErrorException("give --ends-at or --for, not both");
            }

            var end = parse.GetValue(endsAt) ?? (parse.GetValue(duration) is { } d ? start + d
                : throw new UserErrorException("say when the silence ends: --for DURATION or --ends-at TIME"));
            var matchers = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var label in parse.GetValue(labels) ?? [])
            {
                var eq = label.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new UserErrorException($"--label: '{label}' is not NAME=VALUE");
                }

                matchers[label[..eq]] = label[(eq + 1)..];
            }

            var silence = new Silence
            {
                Id = parse.GetValue(id) ?? "s-" + Guid.NewGuid().ToString("N")[..12],
                RuleId = parse.GetValue(rule),
                Device = parse.GetValue(device),
                Labels = matchers,
                StartsAt = start,
                EndsAt = end,
                Author = parse.GetValue(author) ?? string.Empty,
                Comment = parse.GetValue(comment) ?? string.Empty,
            };
            var path = parse.GetValue(file) ?? io.Context.SilencesPath;
            try
            {
                await new JsonFileSilenceStore(path).AddAsync(silence, now, ct).ConfigureAwait(false);
            }
            catch (SilenceValidationException ex)
            {
                throw new UserErrorException("invalid silence: " + string.Join("; ", ex.Errors), ex);
            }

            io.Stdout.WriteLine($"added silence {silence.Id} to {path}: {Describe(silence, now)}");
            return 0;
        });
        return command;
    }

    private static Command List(CliIo io)
    {
        var file = FileOption();
        var all = new Option<bool>("--all") { Description = "Also list expired silences" };
        var json = new Option<bool>("--json") { Description = "Print {\"silences\":[…]}, the shape of the file and of /api/silences" };
        var command = new Command("list", "List the silences that are active or still to come");
        command.Options.Add(file);
        command.Options.Add(all);
        command.Options.Add(json);
        command.SetAction(async (parse, ct) =>
        {
            var now = io.Context.Time.GetUtcNow();
            var listed = (await new JsonFileSilenceStore(parse.GetValue(file) ?? io.Context.SilencesPath).ListAsync(ct).ConfigureAwait(false))
                .Where(s => parse.GetValue(all) || s.EndsAt > now).ToList();
            if (parse.GetValue(json))
            {
                io.Stdout.WriteLine(System.Text.Encoding.UTF8.GetString(SilenceJson.WriteList(listed)));
                return 0;
            }

            foreach (var s in listed)
            {
                io.Stdout.WriteLine($"{s.Id}  {Describe(s, now)}");
            }

            io.Stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{listed.Count} silence{(listed.Count == 1 ? string.Empty : "s")}"));
            return 0;
        });
        return command;
    }

    private static Command Expire(CliIo io)
    {
        var file = FileOption();
        var id = new Argument<string>("ID") { Description = "The silence to end now" };
        var command = new Command("expire", "End a silence now (one still to come never starts)");
        command.Options.Add(file);
        command.Arguments.Add(id);
        command.SetAction(async (parse, ct) =>
        {
            var now = io.Context.Time.GetUtcNow();
            var path = parse.GetValue(file) ?? io.Context.SilencesPath;
            if (await new JsonFileSilenceStore(path).ExpireAsync(parse.GetValue(id)!, now, ct).ConfigureAwait(false) is not { } expired)
            {
                io.Stderr.WriteLine($"pipeline: no silence '{parse.GetValue(id)}' in {path}");
                return 1;
            }

            io.Stdout.WriteLine($"expired silence {expired.Id}: {Describe(expired, now)}");
            return 0;
        });
        return command;
    }

    /// <summary>For example <c>rule=overheat device=chiller-01 from 2026-01-01T10:00:00Z to 2026-01-01T12:00:00Z (active) by ops: maintenance</c>.</summary>
    private static string Describe(Silence s, DateTimeOffset now)
    {
        var matchers = new List<string>();
        if (s.RuleId is not null)
        {
            matchers.Add("rule=" + s.RuleId);
        }

        if (s.Device is not null)
        {
            matchers.Add("device=" + s.Device);
        }

        matchers.AddRange(s.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
        var status = s.IsActiveAt(now) ? "active" : s.EndsAt <= now ? "expired" : "pending";
        var comment = s.Comment.Length > 0 ? ": " + s.Comment : string.Empty;
        return $"{string.Join(" ", matchers)} from {SilenceJson.Time(s.StartsAt)} to {SilenceJson.Time(s.EndsAt)} ({status}) by {s.Author}{comment}";
    }
}
