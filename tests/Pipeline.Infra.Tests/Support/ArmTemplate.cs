using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Pipeline.Infra.Tests.Support;

/// <summary>
/// A compiled ARM template (what `bicep build` writes) with its nested module deployments, and a
/// small resolver that rewrites an expression of a nested template in terms of the top-level
/// template: <c>parameters('x')</c> becomes the value the parent deployment passes for x, and
/// <c>variables('y')</c> the variable's value when it is a string. Nothing is evaluated; the result is
/// the expression text, so tests can say which top-level parameter or resource a value comes from.
/// </summary>
internal sealed partial class ArmTemplate
{
    public ArmTemplate(JsonObject root)
    {
        Root = root;
        Scope = new TemplateScope(root, null, null, "main", null);
    }

    public JsonObject Root { get; }

    public TemplateScope Scope { get; }

    public JsonObject Parameters => Root["parameters"]!.AsObject();

    public JsonObject Outputs => Root["outputs"]!.AsObject();

    /// <summary>Every resource of the template and its nested deployments, depth first.</summary>
    public IEnumerable<ArmResource> AllResources() => Walk(Scope);

    public IEnumerable<ArmResource> OfType(string type) =>
        AllResources().Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase));

    public ArmResource Single(string type) => Assert.Single(OfType(type));

    /// <summary>The nested deployment (module) with this name.</summary>
    public TemplateScope Module(string name) =>
        AllModules().SingleOrDefault(m => m.Name == name)
        ?? throw new InvalidOperationException($"No module '{name}'.");

    public IEnumerable<TemplateScope> AllModules()
    {
        foreach (var resource in AllResources())
        {
            if (resource.Type == "Microsoft.Resources/deployments")
            {
                yield return resource.Scope.Child(resource);
            }
        }
    }

    private static IEnumerable<ArmResource> Walk(TemplateScope scope)
    {
        foreach (var node in Resources(scope.Template))
        {
            var resource = new ArmResource(node, scope);
            yield return resource;
            if (resource.Type == "Microsoft.Resources/deployments")
            {
                foreach (var inner in Walk(scope.Child(resource)))
                {
                    yield return inner;
                }
            }
        }
    }

    private static IEnumerable<JsonObject> Resources(JsonObject template) =>
        template["resources"] switch
        {
            JsonArray array => array.Select(n => n!.AsObject()),
            JsonObject symbolic => symbolic.Select(p => p.Value!.AsObject()),
            _ => [],
        };

    /// <summary>Rewrites a template value (literal or "[expression]") in terms of the top-level template.</summary>
    public static string Resolve(JsonNode? value, TemplateScope scope)
    {
        if (value is JsonValue v && v.TryGetValue<string>(out var text))
        {
            return StripOuterParentheses(ResolveString(text, scope));
        }

        return value?.ToJsonString() ?? "null";
    }

    private static string ResolveString(string text, TemplateScope scope)
    {
        if (text.StartsWith('[') && text.EndsWith(']') && !text.StartsWith("[[", StringComparison.Ordinal))
        {
            var resolved = ResolveExpression(text[1..^1], scope);
            return IsWrapped(resolved) ? resolved : "(" + resolved + ")";
        }

        return "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    private static string ResolveExpression(string expression, TemplateScope scope)
    {
        // Module outputs first, behind placeholders, so their (already resolved) text is not
        // resolved a second time in this scope.
        var resolvedOutputs = new List<string>();
        expression = ReplaceModuleOutputs(expression, scope, resolvedOutputs);

        var result = ReferencePattern().Replace(expression, match =>
        {
            var kind = match.Groups["kind"].Value;
            var name = match.Groups["name"].Value;
            if (kind == "variables")
            {
                var variable = scope.Template["variables"]?[name];
                return variable is JsonValue ? ResolveString(variable.GetValue<string>(), scope) : match.Value;
            }

            if (scope.Parent is null)
            {
                return match.Value;
            }

            // The value the parent passes, else the module parameter's default (as ARM does).
            if (scope.DeploymentParameters?[name]?["value"] is { } passed)
            {
                return passed is JsonValue passedValue && passedValue.GetValueKind() == JsonValueKind.String
                    ? ResolveString(passedValue.GetValue<string>(), scope.Parent)
                    : passed.ToJsonString();
            }

            return scope.DefaultOf(name) switch
            {
                JsonValue d when d.GetValueKind() == JsonValueKind.String => ResolveString(d.GetValue<string>(), scope),
                { } d => d.ToJsonString(),
                null => match.Value,
            };
        });

        for (var i = 0; i < resolvedOutputs.Count; i++)
        {
            result = result.Replace(Placeholder(i), resolvedOutputs[i], StringComparison.Ordinal);
        }

        return RemoveArgumentParentheses(SimplifyParentheses(result));
    }

    /// <summary>
    /// Replaces <c>reference(&lt;id of deployment 'm'&gt;, '…').outputs.o.value</c> with module m's
    /// output o, resolved.
    /// </summary>
    private static string ReplaceModuleOutputs(string expression, TemplateScope scope, List<string> resolved)
    {
        var searchFrom = 0;
        while (true)
        {
            var start = expression.IndexOf("reference(", searchFrom, StringComparison.Ordinal);
            if (start < 0)
            {
                return expression;
            }

            var open = start + "reference".Length;
            var close = open + ClosingParenthesis(expression[open..]);
            var inner = expression[(open + 1)..close];
            var output = ModuleOutputSuffix().Match(expression, close + 1);
            var module = DeploymentName().Match(inner);
            if (close < open || !output.Success || output.Index != close + 1 || !module.Success)
            {
                searchFrom = start + 1;
                continue;
            }

            var child = FindModule(scope, module.Groups["name"].Value);
            var value = child.Template["outputs"]?[output.Groups["output"].Value]?["value"]
                ?? throw new InvalidOperationException($"Module '{child.Name}' has no output '{output.Groups["output"].Value}'.");
            resolved.Add("(" + StripOuterParentheses(Resolve(value, child)) + ")");
            var placeholder = Placeholder(resolved.Count - 1);
            expression = expression[..start] + placeholder + expression[(output.Index + output.Length)..];
            searchFrom = start + placeholder.Length;
        }
    }

    private static TemplateScope FindModule(TemplateScope scope, string name)
    {
        foreach (var node in Resources(scope.Template))
        {
            var resource = new ArmResource(node, scope);
            if (resource.Type == "Microsoft.Resources/deployments" && node["name"]?.GetValue<string>() == name)
            {
                return scope.Child(resource);
            }
        }

        throw new InvalidOperationException($"No module '{name}' in {scope.Name}.");
    }

    private static string Placeholder(int index) => $"\u0001{index}\u0001";

    /// <summary>Drops the parentheses around a lone parameter, variable or literal.</summary>
    private static string SimplifyParentheses(string text)
    {
        string previous;
        do
        {
            previous = text;
            text = RedundantParentheses().Replace(text, "${atom}");
        }
        while (text != previous);

        return text;
    }

    private static string StripOuterParentheses(string text)
    {
        while (IsWrapped(text))
        {
            text = text[1..^1];
        }

        return text;
    }

    private static bool IsWrapped(string text) =>
        text.Length >= 2 && text[0] == '(' && text[^1] == ')' && ClosingParenthesis(text) == text.Length - 1;

    /// <summary>Removes parentheses that enclose a whole function argument: f(a, (b)) becomes f(a, b).</summary>
    private static string RemoveArgumentParentheses(string text)
    {
        var quoted = false;
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] == '\'')
            {
                quoted = !quoted;
                continue;
            }

            var argumentStart = text[i - 1] == '(' || (i >= 2 && text[i - 1] == ' ' && text[i - 2] == ',');
            if (quoted || text[i] != '(' || !argumentStart || (text[i - 1] == '(' && i >= 2 && !IsCallName(text[i - 2])))
            {
                continue;
            }

            var close = i + ClosingParenthesis(text[i..]);
            if (close > i && (close + 1 == text.Length || text[close + 1] is ',' or ')'))
            {
                return RemoveArgumentParentheses(text[..i] + text[(i + 1)..close] + text[(close + 1)..]);
            }
        }

        return text;
    }

    private static bool IsCallName(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static int ClosingParenthesis(string text)
    {
        var depth = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == '(')
            {
                depth++;
            }
            else if (!quoted && c == ')' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    [GeneratedRegex(@"(?<kind>parameters|variables)\('(?<name>[^']+)'\)")]
    private static partial Regex ReferencePattern();

    [GeneratedRegex(@"\G\.outputs\.(?<output>\w+)\.value")]
    private static partial Regex ModuleOutputSuffix();

    [GeneratedRegex(@"'Microsoft\.Resources/deployments', '(?<name>[^']+)'\)(, '[^']*')?$")]
    private static partial Regex DeploymentName();

    [GeneratedRegex(@"(?<![\w)\]])\((?<atom>(?:parameters|variables)\('[^']+'\)(?:\.\w+)*|'(?:[^']|'')*')\)")]
    private static partial Regex RedundantParentheses();
}

/// <summary>One template (the top level or a module's inner template) and how it was called.</summary>
internal sealed record TemplateScope(
    JsonObject Template,
    TemplateScope? Parent,
    JsonObject? DeploymentParameters,
    string Name,
    string? Condition)
{
    public TemplateScope Child(ArmResource deployment)
    {
        var properties = deployment.Node["properties"]!.AsObject();
        var own = deployment.Node["condition"] is { } c ? ArmTemplate.Resolve(c, this) : null;
        var condition = (Condition, own) switch
        {
            (null, _) => own,
            (_, null) => Condition,
            _ => $"and({Condition}, {own})",
        };
        return new TemplateScope(
            properties["template"]!.AsObject(),
            this,
            properties["parameters"]?.AsObject(),
            ArmTemplate.Resolve(deployment.Node["name"], this).Trim('\''),
            condition);
    }

    /// <summary>The value of a module parameter's default, as JSON.</summary>
    public JsonNode? DefaultOf(string parameter) => Template["parameters"]?[parameter]?["defaultValue"];
}

internal sealed record ArmResource(JsonObject Node, TemplateScope Scope)
{
    public string Type => Node["type"]!.GetValue<string>();

    public JsonObject Properties => Node["properties"]?.AsObject() ?? [];

    /// <summary>A value of this resource, rewritten in terms of the top-level template.</summary>
    public string Resolve(JsonNode? value) => ArmTemplate.Resolve(value, Scope);

    /// <summary>The resource's own condition combined with its modules' conditions; null when always deployed.</summary>
    public string? Condition
    {
        get
        {
            var own = Node["condition"] is { } c ? Resolve(c) : null;
            return (Scope.Condition, own) switch
            {
                (null, _) => own,
                (_, null) => Scope.Condition,
                _ => $"and({Scope.Condition}, {own})",
            };
        }
    }
}
