namespace Pipeline.Core.Rules;

/// <summary>
/// The kind-specific part of reading a rule. The rule kinds implement it (through their registry) and the loader passes
/// it to <see cref="RuleSetReader"/>, so this namespace, which the kinds build on, never refers to them.
/// </summary>
internal interface IRuleKindReader
{
    /// <summary>Reads a rule's <c>detector</c> mapping; errors go to <paramref name="reader"/>.</summary>
    DetectorSpec? ReadDetector(RuleSetReader reader, DocNode node, string? ruleId);

    /// <summary>Reads a rule's <c>composite</c> mapping and the rule ids it refers to.</summary>
    (CompositeSpec? Spec, IReadOnlyList<(string Id, int Line, string Field)> References) ReadComposite(
        RuleSetReader reader, DocNode node, string? ruleId);

    /// <summary>Runs the checks of the rule's kind; returns the shape its overrides must fit.</summary>
    string CheckRule(RuleSetReader reader, RuleDraft draft);

    /// <summary>Checks that the rules composites refer to exist and form no cycle.</summary>
    void CheckReferences(RuleSetReader reader, IReadOnlyList<RuleInfo> infos);
}
