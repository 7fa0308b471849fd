using Pipeline.Core.Engine;
using Pipeline.Core.Rules;
using Pipeline.Core.Rules.Kinds;

namespace Pipeline.Core.RuleSets;

/// <summary>Turns a loaded rule set into the runtimes the engine runs, each rule through its kind in the registry.</summary>
public static class RuleSetCompiler
{
    public static CompiledRules Compile(RuleSet rules, string environment) =>
        CompiledRules.Compile(rules, environment, RuleKindRegistry.Compile);
}
