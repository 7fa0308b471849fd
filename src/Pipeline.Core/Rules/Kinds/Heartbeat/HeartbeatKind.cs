using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

internal sealed class HeartbeatKind : DetectorKind<HeartbeatDetectorSpec>
{
    public override string Name => "heartbeat";

    public override IReadOnlyList<string> Fields { get; } = ["kind", "timeout", "expected"];

    public override string WithoutMetric => "it watches for any data from a device";

    public override DetectorSpec Read(DetectorFields fields)
    {
        var timeout = fields.RequiredDuration("timeout");
        return new HeartbeatDetectorSpec(timeout, ReadExpected(fields));
    }

    protected override RuleRuntime Compile(Rule rule, int index, HeartbeatDetectorSpec spec) => new HeartbeatDetector(rule, index, spec);

    private static List<string> ReadExpected(DetectorFields fields)
    {
        if (fields.Optional("expected") is not { } node)
        {
            return [];
        }

        if (node is not DocList list)
        {
            fields.Reader.Error(fields.RuleId, "detector.expected", "must be a list of device ids, not " + node.Describe(), node.Line);
            fields.Ok = false;
            return [];
        }

        var ids = new List<string>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            var path = $"detector.expected[{DetectorFields.Invariant(i)}]";
            if (fields.Reader.NonEmptyText(list.Items[i], fields.RuleId, path, "a device id") is not { } deviceId)
            {
                fields.Ok = false;
            }
            else if (ids.Contains(deviceId))
            {
                fields.Reader.Error(fields.RuleId, path, $"device '{deviceId}' is listed twice", list.Items[i].Line);
                fields.Ok = false;
            }
            else
            {
                ids.Add(deviceId);
            }
        }

        return ids;
    }
}
