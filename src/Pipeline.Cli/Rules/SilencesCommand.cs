using System.CommandLine;
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
    private class FileSettings
    {
        public string? File { get; set; }
    }

    private sealed class AddSettings : FileSettings
    {
        public string? Id { get; set; }

        public string? Rule { get; set; }

        public string? Device { get; set; }

        public string[] Labels { get; set; } = [];

        public DateTimeOffset? StartsAt { get; set; }

        public DateTimeOffset? EndsAt { get; set; }

        public TimeSpan? For { get; set; }

        public string Author { get; set; } = string.Empty;

        public string Comment { get; set; } = string.Empty;
    }

    private sealed class ListSettings : FileSettings
    {
        public bool All { get; set; }

        public bool Json { get; set; }
    }

    private sealed class ExpireSettings : FileSettings
    {
        public string Id { get; set; } = string.Empty;
    }

    public static Command Create(CliIo io)
    {
        var silences = new Command("silences", "Suppress notifications for a while: add, list and expire silences");
        silences.Subcommands.Add(Add(io));
        silences.Subcommands.Add(List(io));
        silences.Subcommands.Add(Expire(io));
        return silences;
    }

    private static FlagTable<T> WithFile<T>(this FlagTable<T> flags)
        where T : FileSettings, new() => flags.Text("--file", "The silences file (default silences.json)", "FILE", (s, v) => s.File = v);

    private static Command Add(CliIo io) => new FlagTable<AddSettings>().WithFile()
        .Text("--id", "Id of the silence (default: a new random one)", "ID", (s, v) => s.Id = v)
        .Text("--rule", "Silence this rule (default: every rule)", "RULE", (s, v) => s.Rule = v)
        .Text("--device", "Silence this device (default: every device)", "DEVICE", (s, v) => s.Device = v)
        .Many("--label", "Only alerts with this label value; repeatable", "NAME=VALUE", (s, v) => s.Labels = v)
        .Time("--starts-at", "Start, ISO 8601 with offset (default now)", (s, v) => s.StartsAt = v)
        .Time("--ends-at", "End, ISO 8601 with offset", (s, v) => s.EndsAt = v)
        .Duration("--for", "How long from the start, e.g. 2h (instead of --ends-at)", (s, v) => s.For = v)
        .Text("--author", "Who silences (required)", "NAME", (s, v) => s.Author = v)
        .Text("--comment", "Why", "TEXT", (s, v) => s.Comment = v)
        .Command("add", "Add a silence: matching alerts are evaluated and recorded but not notified until it ends", async (s, ct) =>
        {
            var now = io.Context.Time.GetUtcNow();
            var (labels, notNameValue) = SilenceParts.ParseLabels(s.Labels);
            var (silence, errors) = new SilenceParts
            {
                Id = s.Id, RuleId = s.Rule, Device = s.Device, Labels = labels, StartsAt = s.StartsAt, EndsAt = s.EndsAt, For = s.For,
                Author = s.Author, Comment = s.Comment,
            }.Build(SilenceParts.NewId(Guid.NewGuid()), now);
            if (silence is null)
            {
                // With an id, a start and an author always given, only the end can be missing or given twice.
                throw new UserErrorException(errors[0].Field == "for"
                    ? "give --ends-at or --for, not both"
                    : "say when the silence ends: --for DURATION or --ends-at TIME");
            }

            if (notNameValue is not null)
            {
                throw new UserErrorException($"--label: '{notNameValue}' is not NAME=VALUE");
            }

            var path = s.File ?? io.Context.SilencesPath;
            try
            {
                await new JsonFileSilenceStore(path).AddAsync(silence, now, ct).ConfigureAwait(false);
            }
            catch (SilenceValidationException ex)
            {
                throw new UserErrorException("invalid silence: " + string.Join("; ", ex.Errors), ex);
            }

            io.Stdout.WriteLine($"added silence {silence.Id} to {path}: {SilenceText.Describe(silence, now)}");
            return 0;
        });

    private static Command List(CliIo io) => new FlagTable<ListSettings>().WithFile()
        .Switch("--all", "Also list expired silences", (s, v) => s.All = v)
        .Switch("--json", "Print {\"silences\":[…]}, the shape of the file and of /api/silences", (s, v) => s.Json = v)
        .Command("list", "List the silences that are active or still to come", async (s, ct) =>
        {
            var now = io.Context.Time.GetUtcNow();
            var listed = (await new JsonFileSilenceStore(s.File ?? io.Context.SilencesPath).ListAsync(ct).ConfigureAwait(false))
                .Where(silence => s.All || silence.EndsAt > now).ToList();
            if (s.Json)
            {
                io.Stdout.WriteLine(System.Text.Encoding.UTF8.GetString(SilenceJson.WriteList(listed)));
                return 0;
            }

            foreach (var silence in listed)
            {
                io.Stdout.WriteLine($"{silence.Id}  {SilenceText.Describe(silence, now)}");
            }

            io.Stdout.WriteLine(Text.Invariant($"{listed.Count} silence{(listed.Count == 1 ? string.Empty : "s")}"));
            return 0;
        });

    private static Command Expire(CliIo io) => new FlagTable<ExpireSettings>().WithFile()
        .Argument("ID", "The silence to end now", (s, v) => s.Id = v)
        .Command("expire", "End a silence now (one still to come never starts)", async (s, ct) =>
        {
            var now = io.Context.Time.GetUtcNow();
            var path = s.File ?? io.Context.SilencesPath;
            if (await new JsonFileSilenceStore(path).ExpireAsync(s.Id, now, ct).ConfigureAwait(false) is not { } expired)
            {
                io.Stderr.WriteLine($"pipeline: no silence '{s.Id}' in {path}");
                return 1;
            }

            io.Stdout.WriteLine($"expired silence {expired.Id}: {SilenceText.Describe(expired, now)}");
            return 0;
        });
}
