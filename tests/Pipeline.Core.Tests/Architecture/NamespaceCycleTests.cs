using Pipeline.Core.Time;

namespace Pipeline.Core.Tests.Architecture;

/// <summary>
/// Pipeline.Core's namespaces are layers: each may use only those below it, so a rule kind or an adapter can be read
/// (and changed) without the layers above it. A cycle between namespaces breaks that, so any cycle fails here.
/// </summary>
public class NamespaceCycleTests
{
    private static readonly NamespaceGraph Core = NamespaceGraph.Of(typeof(EventTime).Assembly, "Pipeline.Core");

    [Fact]
    public void Pipeline_Core_namespaces_have_no_cycle()
    {
        var cycles = Core.Cycles();

        Assert.True(cycles.Count == 0, "Namespace cycles in Pipeline.Core:" + Environment.NewLine + string.Join(Environment.NewLine, cycles));
    }

    [Theory]
    // Uses made only through a method body (a static call), a field, a base type, and a child namespace's implicit
    // access to its parent's types: the graph must see each kind of use, or the cycle check above proves nothing.
    [InlineData("Pipeline.Core.Processing", "Pipeline.Core.Engine")]
    [InlineData("Pipeline.Core.Engine", "Pipeline.Core.Rules")]
    [InlineData("Pipeline.Core.Rules.Kinds", "Pipeline.Core.Rules")]
    [InlineData("Pipeline.Core.Rules.Kinds", "Pipeline.Core.Engine")]
    [InlineData("Pipeline.Core.Alerts", "Pipeline.Core.Time")]
    public void The_graph_sees_known_uses(string from, string to) =>
        Assert.NotNull(Core.Evidence(from, to));

    [Fact]
    public void A_cycle_through_three_namespaces_is_reported_with_each_step()
    {
        var graph = NamespaceGraph.From(
            "A",
            ("A.X", "A.Y"), // X uses Y
            ("A.Y", "A.Z"), // Y uses Z
            ("A.Z", "A.X"), // Z uses X: closes the cycle
            ("A.Z", "A.W")); // W is used but on no cycle

        var cycle = Assert.Single(graph.Cycles());

        Assert.StartsWith("A.X, A.Y, A.Z:", cycle, StringComparison.Ordinal);
        Assert.Contains("A.X -> A.Y (A.X uses A.Y)", cycle, StringComparison.Ordinal);
        Assert.Contains("A.Y -> A.Z (A.Y uses A.Z)", cycle, StringComparison.Ordinal);
        Assert.Contains("A.Z -> A.X (A.Z uses A.X)", cycle, StringComparison.Ordinal);
        Assert.DoesNotContain("A.W", cycle, StringComparison.Ordinal);
    }

    [Fact]
    public void Layers_without_a_cycle_report_none()
    {
        var graph = NamespaceGraph.From("A", ("A.X", "A.Y"), ("A.Y", "A.Z"), ("A.X", "A.Z"));

        Assert.Empty(graph.Cycles());
    }
}
