using System.Globalization;
using Pipeline.Core.Rules;

namespace Pipeline.Cli;

/// <summary>The lines several commands print the same way, in the invariant culture.</summary>
internal static class Text
{
    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>For example <c>15 rules from samples/rules.yaml (version 3f2a…)</c>.</summary>
    public static string Rules(RuleSet rules, string path) => Invariant($"{rules.Rules.Count} rules from {path} (version {rules.Version})");

    /// <summary>The root of the loopback server's dashboard.</summary>
    public static string Dashboard(Uri address) => address.AbsoluteUri.TrimEnd('/') + "/";
}
