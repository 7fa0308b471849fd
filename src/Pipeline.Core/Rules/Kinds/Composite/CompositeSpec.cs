namespace Pipeline.Core.Rules;

public enum CompositeMode
{
    All,
    Any,
}

/// <summary>Fires while all (or any) of the named rules are firing for the same key.</summary>
public sealed record CompositeSpec(CompositeMode Mode, IReadOnlyList<string> RuleIds);
