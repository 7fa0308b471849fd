using System.Globalization;
using Pipeline.Core.Alerts;

namespace Pipeline.Core.Rules.Testing;

/// <summary>
/// Reads a rule test file (YAML). Every problem is reported with the file name, the line and the reason; a file with
/// any problem gives no test cases, so a typo never silently skips a test.
/// </summary>
public sealed class RuleTestReader
{
    private static readonly string[] TopFields = ["rules", "tests"];
    private static readonly string[] TestFields = ["name", "start", "interval", "until", "only", "devices", "expect", "expectState"];
    private static readonly string[] DeviceFields = ["id", "labels", "series", "events"];
    private static readonly string[] ExpectFields = ["type", "rule", "device", "at", "severity", "value"];
    private static readonly string[] StateFields = ["at", "rule", "device", "status", "severity"];

    private readonly string _file;
    private readonly List<RuleTestError> _errors = [];

    private RuleTestReader(string file) => _file = file;

    public static (RuleTestFile? File, IReadOnlyList<RuleTestError> Errors) Read(string text, string fileName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(fileName);
        var reader = new RuleTestReader(fileName);
        var (root, error) = RuleDocument.Parse(text, RuleFileFormat.Yaml);
        if (root is null)
        {
            var message = error?.Message.Replace("expected a mapping with 'rules'", "expected a mapping with 'rules' and 'tests'", StringComparison.Ordinal) ?? "the file could not be read";
            return (null, [new RuleTestError(fileName, error?.Line ?? 1, message)]);
        }

        var file = reader.ReadFile(root);
        return reader._errors.Count > 0 ? (null, reader._errors) : (file, []);
    }

    private RuleTestFile? ReadFile(DocNode root)
    {
        if (root is not DocMap map)
        {
            Error(root.Line, "a test file must be a mapping with 'rules' (the rule file) and 'tests', not " + root.Describe());
            return null;
        }

        var fields = Fields(map, TopFields, "the test file");
        var rules = fields.GetValueOrDefault("rules");
        string? rulesPath = null;
        if (rules is null)
        {
            Error(map.Line, "'rules' is required: the rule file to test, relative to this file");
        }
        else
        {
            rulesPath = Text(rules, "rules");
        }

        var tests = new List<RuleTestCase>();
        if (fields.GetValueOrDefault("tests") is not { } testsNode)
        {
            Error(map.Line, "'tests' is required: a list of tests, each starting with '- name: ...'");
        }
        else if (testsNode is not DocList list || list.Items.Count == 0)
        {
            Error(testsNode.Line, "'tests' must be a non-empty list of tests, each starting with '- name: ...'");
        }
        else
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in list.Items)
            {
                if (ReadTest(item) is { } test)
                {
                    if (!names.Add(test.Name))
                    {
                        Error(item.Line, $"test name '{test.Name}' is used twice");
                    }

                    tests.Add(test);
                }
            }
        }

        return rulesPath is null ? null : new RuleTestFile(rulesPath, rules!.Line, tests);
    }

    private RuleTestCase? ReadTest(DocNode node)
    {
        if (node is not DocMap map)
        {
            Error(node.Line, "a test must be a mapping starting with 'name:', not " + node.Describe());
            return null;
        }

        var f = Fields(map, TestFields, "a test");
        var name = f.GetValueOrDefault("name") is { } n ? Text(n, "name") : null;
        if (name is null)
        {
            Error(map.Line, "a test needs a 'name'");
            name = "?";
        }

        var start = RuleTestCase.DefaultStart;
        if (f.GetValueOrDefault("start") is { } s && Text(s, "start") is { } startText)
        {
            if (DateTimeOffset.TryParse(startText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                start = parsed.ToUniversalTime();
            }
            else
            {
                Error(s.Line, $"'start' must be a time like 2026-01-01T00:00:00Z (got '{startText}')");
            }
        }

        var interval = f.GetValueOrDefault("interval") is { } i ? Duration(i, "interval", positive: true) ?? TimeSpan.FromMinutes(1) : TimeSpan.FromMinutes(1);
        var until = f.GetValueOrDefault("until") is { } u ? Duration(u, "until", positive: true) : null;
        var only = f.GetValueOrDefault("only") is { } o ? TextList(o, "only") : [];

        var devices = new List<TestDevice>();
        if (f.GetValueOrDefault("devices") is not DocList deviceList || deviceList.Items.Count == 0)
        {
            Error(f.GetValueOrDefault("devices")?.Line ?? map.Line, $"test '{name}': 'devices' must be a non-empty list of devices, each starting with '- id: ...'");
        }
        else
        {
            foreach (var d in deviceList.Items)
            {
                if (ReadDevice(d) is { } device)
                {
                    devices.Add(device);
                }
            }
        }

        var expect = new List<ExpectedTransition>();
        if (f.GetValueOrDefault("expect") is { } e)
        {
            foreach (var item in Items(e, "expect"))
            {
                if (ReadExpected(item) is { } transition)
                {
                    expect.Add(transition);
                }
            }
        }

        var states = new List<ExpectedState>();
        if (f.GetValueOrDefault("expectState") is { } es)
        {
            foreach (var item in Items(es, "expectState"))
            {
                if (ReadState(item) is { } state)
                {
                    states.Add(state);
                }
            }
        }

        if (f.GetValueOrDefault("expect") is null && states.Count == 0)
        {
            // A test without expectations cannot fail; 'expect: []' says "no transitions" on purpose.
            Error(map.Line, $"test '{name}' has neither 'expect' nor 'expectState'; write 'expect: []' to expect no transitions");
        }

        return new RuleTestCase
        {
            Name = name,
            Line = map.Line,
            Start = start,
            Interval = interval,
            Until = until,
            Only = only,
            Devices = devices,
            Expect = expect,
            ExpectState = states,
        };
    }

    private TestDevice? ReadDevice(DocNode node)
    {
        if (node is not DocMap map)
        {
            Error(node.Line, "a device must be a mapping starting with 'id:', not " + node.Describe());
            return null;
        }

        var f = Fields(map, DeviceFields, "a device");
        var id = f.GetValueOrDefault("id") is { } i ? Text(i, "id") : null;
        if (id is null)
        {
            Error(map.Line, "a device needs an 'id'");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (f.GetValueOrDefault("labels") is { } l)
        {
            foreach (var (key, value) in Pairs(l, "labels"))
            {
                if (Text(value, "labels." + key.Value) is { } text)
                {
                    labels[key.Value] = text;
                }
            }
        }

        var series = new Dictionary<string, IReadOnlyList<double?>>(StringComparer.Ordinal);
        if (f.GetValueOrDefault("series") is { } s)
        {
            foreach (var (key, value) in Pairs(s, "series"))
            {
                if (Text(value, "series." + key.Value) is not { } text)
                {
                    continue;
                }

                if (SeriesNotation.TryExpand(text, out var values, out var error))
                {
                    series[key.Value] = values;
                }
                else
                {
                    Error(value.Line, $"series '{key.Value}' {error}");
                }
            }
        }

        var events = new List<TestEvent>();
        if (f.GetValueOrDefault("events") is { } ev)
        {
            foreach (var item in Items(ev, "events"))
            {
                TimeSpan? at = null;
                var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var (key, value) in Pairs(item, "an event"))
                {
                    if (key.Value == "at")
                    {
                        at = Duration(value, "at", positive: false);
                    }
                    else if (Number(value, key.Value) is { } number)
                    {
                        metrics[key.Value] = number;
                    }
                }

                if (at is null)
                {
                    Error(item.Line, "an event needs 'at', its offset from the test's start, like { at: 30s, temperature: 90 }");
                }
                else if (metrics.Count == 0)
                {
                    Error(item.Line, "an event needs at least one metric, like { at: 30s, temperature: 90 }");
                }
                else
                {
                    events.Add(new TestEvent(at.Value, metrics));
                }
            }
        }

        if (!f.ContainsKey("series") && !f.ContainsKey("events") && id is not null)
        {
            Error(map.Line, $"device '{id}' has neither 'series' nor 'events'");
        }

        return id is null ? null : new TestDevice(id, labels, series, events);
    }

    private ExpectedTransition? ReadExpected(DocNode node)
    {
        if (node is not DocMap map)
        {
            Error(node.Line, "an expected transition must be a mapping like { type: fired, rule: overheat, device: chiller-01, at: 3m }, not " + node.Describe());
            return null;
        }

        var f = Fields(map, ExpectFields, "an expected transition");
        AlertTransitionKind? type = null;
        if (Required(f, map, "type", "an expected transition") is { } t && Text(t, "type") is { } typeText)
        {
            if (Enum.TryParse<AlertTransitionKind>(typeText, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !char.IsDigit(typeText[0]))
            {
                type = parsed;
            }
            else
            {
                Error(t.Line, $"unknown transition type '{typeText}': use fired, resolved, escalated, deescalated or amended");
            }
        }

        var rule = Required(f, map, "rule", "an expected transition") is { } r ? Text(r, "rule") : null;
        var device = Required(f, map, "device", "an expected transition") is { } d ? Text(d, "device") : null;
        var at = Required(f, map, "at", "an expected transition") is { } a ? Duration(a, "at", positive: false) : null;
        var severity = f.GetValueOrDefault("severity") is { } s ? SeverityOf(s) : null;
        var value = f.GetValueOrDefault("value") is { } v ? Number(v, "value") : null;
        return type is null || rule is null || device is null || at is null
            ? null
            : new ExpectedTransition(type.Value, rule, device, at.Value, severity, value, map.Line);
    }

    private ExpectedState? ReadState(DocNode node)
    {
        if (node is not DocMap map)
        {
            Error(node.Line, "an expected state must be a mapping like { at: 4m, rule: overheat, device: chiller-01, status: firing }, not " + node.Describe());
            return null;
        }

        var f = Fields(map, StateFields, "an expected state");
        var at = Required(f, map, "at", "an expected state") is { } a ? Duration(a, "at", positive: false) : null;
        var rule = Required(f, map, "rule", "an expected state") is { } r ? Text(r, "rule") : null;
        var device = Required(f, map, "device", "an expected state") is { } d ? Text(d, "device") : null;
        bool? firing = null;
        if (Required(f, map, "status", "an expected state") is { } s && Text(s, "status") is { } status)
        {
            firing = status switch
            {
                "firing" => true,
                "inactive" => false,
                _ => null,
            };
            if (firing is null)
            {
                Error(s.Line, $"unknown status '{status}': use firing or inactive");
            }
        }

        var severity = f.GetValueOrDefault("severity") is { } sv ? SeverityOf(sv) : null;
        return at is null || rule is null || device is null || firing is null
            ? null
            : new ExpectedState(at.Value, rule, device, firing.Value, severity, map.Line);
    }

    private Dictionary<string, DocNode> Fields(DocMap map, string[] allowed, string owner)
    {
        var fields = new Dictionary<string, DocNode>(StringComparer.Ordinal);
        foreach (var entry in map.Entries)
        {
            var name = entry.Key.Value;
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                Error(entry.Key.Line, $"unknown field '{name}' in {owner}" + NameSuggestion.Hint(name, allowed));
            }
            else if (!fields.TryAdd(name, entry.Value))
            {
                Error(entry.Key.Line, $"field '{name}' appears twice in {owner}");
            }
        }

        return fields;
    }

    private DocNode? Required(Dictionary<string, DocNode> fields, DocMap map, string name, string owner)
    {
        if (fields.TryGetValue(name, out var node))
        {
            return node;
        }

        Error(map.Line, $"{owner} needs '{name}'");
        return null;
    }

    private IEnumerable<(DocScalar Key, DocNode Value)> Pairs(DocNode node, string field)
    {
        if (node is not DocMap map)
        {
            Error(node.Line, $"'{field}' must be a mapping, not " + node.Describe());
            return [];
        }

        return map.Entries.Select(e => (e.Key, e.Value));
    }

    private IReadOnlyList<DocNode> Items(DocNode node, string field)
    {
        if (node is DocList list)
        {
            return list.Items;
        }

        Error(node.Line, $"'{field}' must be a list, not " + node.Describe());
        return [];
    }

    private string? Text(DocNode node, string field)
    {
        if (node is DocScalar { IsNull: false } scalar && scalar.Value.Length > 0)
        {
            return scalar.Value;
        }

        Error(node.Line, $"'{field}' must be a non-empty text, not " + node.Describe());
        return null;
    }

    private List<string> TextList(DocNode node, string field) =>
        [.. Items(node, field).Select(item => Text(item, field)).OfType<string>()];

    private TimeSpan? Duration(DocNode node, string field, bool positive)
    {
        if (Text(node, field) is not { } text)
        {
            return null;
        }

        if (DurationText.TryParse(text, out var value) && (!positive || value > TimeSpan.Zero))
        {
            return value;
        }

        Error(node.Line, $"'{field}' must be a {(positive ? "positive " : string.Empty)}duration like 10s, 5m, 1m30s (got '{text}')");
        return null;
    }

    private double? Number(DocNode node, string field)
    {
        if (Text(node, field) is not { } text)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        Error(node.Line, $"'{field}' must be a number (got '{text}')");
        return null;
    }

    private Severity? SeverityOf(DocNode node)
    {
        if (Text(node, "severity") is not { } text)
        {
            return null;
        }

        if (Enum.TryParse<Severity>(text, ignoreCase: true, out var severity) && Enum.IsDefined(severity) && !char.IsDigit(text[0]))
        {
            return severity;
        }

        Error(node.Line, $"unknown severity '{text}': use info, warning, error or critical");
        return null;
    }

    private void Error(int line, string message) => _errors.Add(new RuleTestError(_file, line, message));
}
