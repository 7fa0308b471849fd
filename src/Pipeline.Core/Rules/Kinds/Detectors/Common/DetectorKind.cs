using Pipeline.Core.Engine;

namespace Pipeline.Core.Rules.Kinds;

/// <summary>One detector kind: the fields of its <c>detector</c> mapping, how they are read, and the runtime it compiles to.</summary>
internal abstract class DetectorKind
{
    /// <summary>The name written as <c>detector.kind</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The fields its <c>detector</c> mapping allows, <c>kind</c> included.</summary>
    public abstract IReadOnlyList<string> Fields { get; }

    /// <summary>Why the kind reads no metric (a heartbeat watches for any data), or null for kinds that judge a metric.</summary>
    public virtual string? WithoutMetric => null;

    /// <summary>Reads the settings; errors go to <paramref name="fields"/>, which the caller checks before using the spec.</summary>
    public abstract DetectorSpec Read(DetectorFields fields);

    public abstract RuleRuntime Compile(Rule rule, int index, DetectorSpec spec);
}

/// <summary>A detector kind with its own spec record.</summary>
internal abstract class DetectorKind<TSpec> : DetectorKind
    where TSpec : DetectorSpec
{
    public sealed override RuleRuntime Compile(Rule rule, int index, DetectorSpec spec) => Compile(rule, index, (TSpec)spec);

    protected abstract RuleRuntime Compile(Rule rule, int index, TSpec spec);
}
