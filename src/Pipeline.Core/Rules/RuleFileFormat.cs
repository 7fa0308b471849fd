namespace Pipeline.Core.Rules;

/// <summary>The syntax of a rule file. <see cref="Auto"/> reads JSON when the text starts with '{' or '[', else YAML.</summary>
public enum RuleFileFormat
{
    Auto,
    Yaml,
    Json,
}
