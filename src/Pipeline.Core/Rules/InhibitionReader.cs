using Pipeline.Core.Alerts;

namespace Pipeline.Core.Rules;

/// <summary>
/// Reads the top-level <c>inhibitions:</c> section of a rule file (the rule reader accepts and skips it), checked
/// against the file's rule ids: each error names the entry, the field and the line.
/// </summary>
public static class InhibitionReader
{
    private static readonly string[] Fields = ["source", "minSeverity", "targets", "equal"];

    public static (IReadOnlyList<InhibitionRule> Rules, IReadOnlyList<RuleError> Errors) Read(string ruleFileText, IReadOnlyCollection<string> ruleIds, RuleFileFormat format = RuleFileFormat.Auto)
    {
        ArgumentNullException.ThrowIfNull(ruleFileText);
        ArgumentNullException.ThrowIfNull(ruleIds);
        var (root, error) = RuleDocument.Parse(ruleFileText, format);
        return root is null ? ([], [error ?? new RuleError(null, string.Empty, "the file could not be read", 1)]) : Read(root, ruleIds);
    }

    internal static (IReadOnlyList<InhibitionRule> Rules, IReadOnlyList<RuleError> Errors) Read(DocNode root, IReadOnlyCollection<string> ruleIds)
    {
        var section = (root as DocMap)?.Entries.FirstOrDefault(e => e.Key.Value == "inhibitions")?.Value;
        if (section is null)
        {
            return ([], []);
        }

        var errors = new List<RuleError>();
        if (section is not DocList list)
        {
            return ([], [new RuleError(null, "inhibitions", "must be a list like - { source: a, minSeverity: critical, targets: [b] }, not " + section.Describe(), section.Line)]);
        }

        var rules = new List<InhibitionRule>();
        var lines = new List<int>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            var at = $"inhibitions[{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}]";
            if (list.Items[i] is not DocMap map)
            {
                errors.Add(new RuleError(null, at, "must be a mapping like { source: a, minSeverity: critical, targets: [b] }", list.Items[i].Line));
                continue;
            }

            string? source = null;
            string? equal = null;
            var severity = Severity.Info;
            var targets = new List<string>();
            var ok = true;
            foreach (var entry in map.Entries)
            {
                var name = entry.Key.Value;
                var scalar = entry.Value as DocScalar;
                switch (name)
                {
                    case "source" when scalar is { IsNull: false }:
                        source = scalar.Value;
                        break;
                    case "equal" when scalar is { IsNull: false }:
                        equal = scalar.Value;
                        break;
                    case "minSeverity" when scalar is not null && Enum.TryParse(scalar.Value, ignoreCase: true, out severity) && Enum.IsDefined(severity) && !char.IsDigit(scalar.Value[0]):
                        break;
                    case "minSeverity":
                        errors.Add(new RuleError(null, at + ".minSeverity", $"must be info, warning, error or critical, not {entry.Value.Describe()}", entry.Value.Line));
                        ok = false;
                        break;
                    case "targets" when entry.Value is DocList items && items.Items.All(t => t is DocScalar { IsNull: false }):
                        targets.AddRange(items.Items.Cast<DocScalar>().Select(t => t.Value));
                        break;
                    default:
                        var known = Fields.Contains(name, StringComparer.Ordinal);
                        errors.Add(new RuleError(null, at + (known ? "." + name : string.Empty),
                            known ? $"has a bad value {entry.Value.Describe()}" : $"unknown field '{name}'" + NameSuggestion.Hint(name, Fields), entry.Key.Line));
                        ok = false;
                        break;
                }
            }

            if (source is null)
            {
                errors.Add(new RuleError(null, at + ".source", "is required: the rule whose firing suppresses others", map.Line));
            }
            else if (ok)
            {
                rules.Add(new InhibitionRule(source, severity, targets, equal));
                lines.Add(map.Line);
            }
        }

        foreach (var problem in InhibitionRule.Validate(rules, ruleIds))
        {
            // Validate names entries by their index among the valid ones; those are in file order, so map back to lines.
            var line = section.Line;
            if (problem.StartsWith("inhibitions[", StringComparison.Ordinal)
                && int.TryParse(problem.AsSpan(12, problem.IndexOf(']', StringComparison.Ordinal) - 12), System.Globalization.CultureInfo.InvariantCulture, out var index))
            {
                line = lines[index];
            }

            var colon = problem.IndexOf(": ", StringComparison.Ordinal);
            errors.Add(new RuleError(null, problem[..colon], problem[(colon + 2)..], line));
        }

        return errors.Count > 0 ? ([], errors) : (rules, []);
    }
}
