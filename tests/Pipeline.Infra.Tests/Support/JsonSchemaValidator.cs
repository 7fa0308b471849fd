using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Pipeline.Infra.Tests.Support;

/// <summary>
/// A JSON Schema validator for the keywords the azd schema (shared/schemas/azure.yaml.json) uses:
/// type, properties, additionalProperties, required, $ref (to #/definitions), allOf, anyOf, oneOf,
/// not, if/then/else, const, enum, pattern, minLength, maxLength, minItems, maxItems,
/// uniqueItems, items, minProperties, maxProperties, minimum, maximum, and boolean schemas.
/// A keyword it does not know makes validation fail rather than pass silently, and so does a
/// $ref it would have to download (when the instance reaches it).
/// </summary>
internal sealed class JsonSchemaValidator
{
    private static readonly HashSet<string> _annotations =
    [
        "$schema", "$id", "$comment", "comment", "title", "description", "default", "examples",
        "deprecated", "definitions", "$defs", "readOnly", "writeOnly", "format",
    ];

    private readonly JsonObject _root;

    public JsonSchemaValidator(JsonObject root) => _root = root;

    /// <summary>Errors, each with the JSON path of the offending value; empty when the instance is valid.</summary>
    public IReadOnlyList<string> Validate(JsonNode? instance)
    {
        var errors = new List<string>();
        Validate(instance, _root, "$", errors);
        return errors;
    }

    private void Validate(JsonNode? instance, JsonNode? schema, string path, List<string> errors)
    {
        switch (schema)
        {
            case JsonValue b when b.GetValueKind() == JsonValueKind.True:
                return;
            case JsonValue b when b.GetValueKind() == JsonValueKind.False:
                errors.Add($"{path}: not allowed here");
                return;
            case JsonObject s:
                ValidateObjectSchema(instance, s, path, errors);
                return;
            default:
                errors.Add($"{path}: schema is neither an object nor a boolean");
                return;
        }
    }

    private bool IsValid(JsonNode? instance, JsonNode? schema, string path)
    {
        var errors = new List<string>();
        Validate(instance, schema, path, errors);
        return errors.Count == 0;
    }

    private void ValidateObjectSchema(JsonNode? instance, JsonObject schema, string path, List<string> errors)
    {
        foreach (var (keyword, value) in schema)
        {
            if (_annotations.Contains(keyword))
            {
                continue;
            }

            switch (keyword)
            {
                case "$ref":
                    var reference = value!.GetValue<string>();
                    if (reference.StartsWith("#/", StringComparison.Ordinal))
                    {
                        Validate(instance, Dereference(reference), path, errors);
                    }
                    else
                    {
                        // Reached only when the instance needs it (hosts whose schema lives in an azd extension).
                        errors.Add($"{path}: remote $ref '{reference}' cannot be checked offline");
                    }

                    break;
                case "type":
                    var types = value is JsonArray a ? a.Select(t => t!.GetValue<string>()).ToList() : [value!.GetValue<string>()];
                    if (!types.Any(t => HasType(instance, t)))
                    {
                        errors.Add($"{path}: expected {string.Join(" or ", types)}, got {Describe(instance)}");
                    }

                    break;
                case "const":
                    if (!JsonNode.DeepEquals(instance, value))
                    {
                        errors.Add($"{path}: expected {value?.ToJsonString()}");
                    }

                    break;
                case "enum":
                    if (!value!.AsArray().Any(e => JsonNode.DeepEquals(instance, e)))
                    {
                        errors.Add($"{path}: {instance?.ToJsonString()} is not one of {value.ToJsonString()}");
                    }

                    break;
                case "allOf":
                    foreach (var sub in value!.AsArray())
                    {
                        Validate(instance, sub, path, errors);
                    }

                    break;
                case "anyOf":
                    if (!value!.AsArray().Any(sub => IsValid(instance, sub, path)))
                    {
                        errors.Add($"{path}: matches none of anyOf");
                    }

                    break;
                case "oneOf":
                    var matches = value!.AsArray().Count(sub => IsValid(instance, sub, path));
                    if (matches != 1)
                    {
                        errors.Add($"{path}: matches {matches} of oneOf, expected exactly 1");
                    }

                    break;
                case "not":
                    if (IsValid(instance, value, path))
                    {
                        errors.Add($"{path}: must not match {value!.ToJsonString()}");
                    }

                    break;
                case "if":
                    var branch = IsValid(instance, value, path) ? schema["then"] : schema["else"];
                    if (branch is not null)
                    {
                        Validate(instance, branch, path, errors);
                    }

                    break;
                case "then" or "else":
                    break;
                case "properties":
                    if (instance is JsonObject props)
                    {
                        foreach (var (name, sub) in value!.AsObject())
                        {
                            if (props.TryGetPropertyValue(name, out var child))
                            {
                                Validate(child, sub, $"{path}.{name}", errors);
                            }
                        }
                    }

                    break;
                case "additionalProperties":
                    if (instance is JsonObject extra)
                    {
                        var declared = schema["properties"]?.AsObject();
                        foreach (var (name, child) in extra)
                        {
                            if (declared is null || !declared.ContainsKey(name))
                            {
                                Validate(child, value, $"{path}.{name}", errors);
                            }
                        }
                    }

                    break;
                case "required":
                    if (instance is JsonObject required)
                    {
                        foreach (var name in value!.AsArray().Select(n => n!.GetValue<string>()))
                        {
                            if (!required.ContainsKey(name))
                            {
                                errors.Add($"{path}: missing required property '{name}'");
                            }
                        }
                    }

                    break;
                case "minProperties":
                    if (instance is JsonObject few && few.Count < value!.GetValue<int>())
                    {
                        errors.Add($"{path}: fewer than {value} properties");
                    }

                    break;
                case "maxProperties":
                    if (instance is JsonObject many && many.Count > value!.GetValue<int>())
                    {
                        errors.Add($"{path}: more than {value} properties");
                    }

                    break;
                case "items":
                    if (instance is JsonArray items)
                    {
                        for (var i = 0; i < items.Count; i++)
                        {
                            Validate(items[i], value, $"{path}[{i}]", errors);
                        }
                    }

                    break;
                case "minItems":
                    if (instance is JsonArray shortArray && shortArray.Count < value!.GetValue<int>())
                    {
                        errors.Add($"{path}: fewer than {value} items");
                    }

                    break;
                case "maxItems":
                    if (instance is JsonArray longArray && longArray.Count > value!.GetValue<int>())
                    {
                        errors.Add($"{path}: more than {value} items");
                    }

                    break;
                case "uniqueItems":
                    if (instance is JsonArray unique && value!.GetValue<bool>())
                    {
                        for (var i = 0; i < unique.Count; i++)
                        {
                            for (var j = i + 1; j < unique.Count; j++)
                            {
                                if (JsonNode.DeepEquals(unique[i], unique[j]))
                                {
                                    errors.Add($"{path}: items {i} and {j} are equal");
                                }
                            }
                        }
                    }

                    break;
                case "pattern":
                    if (instance is JsonValue pv && pv.TryGetValue<string>(out var text)
                        && !Regex.IsMatch(text, value!.GetValue<string>(), RegexOptions.None, TimeSpan.FromSeconds(1)))
                    {
                        errors.Add($"{path}: '{text}' does not match {value}");
                    }

                    break;
                case "minLength":
                    if (instance is JsonValue minv && minv.TryGetValue<string>(out var shortText)
                        && CodePoints(shortText) < value!.GetValue<int>())
                    {
                        errors.Add($"{path}: shorter than {value}");
                    }

                    break;
                case "maxLength":
                    if (instance is JsonValue maxv && maxv.TryGetValue<string>(out var longText)
                        && CodePoints(longText) > value!.GetValue<int>())
                    {
                        errors.Add($"{path}: longer than {value}");
                    }

                    break;
                case "minimum":
                    if (IsNumber(instance) && instance!.GetValue<double>() < value!.GetValue<double>())
                    {
                        errors.Add($"{path}: less than {value}");
                    }

                    break;
                case "maximum":
                    if (IsNumber(instance) && instance!.GetValue<double>() > value!.GetValue<double>())
                    {
                        errors.Add($"{path}: greater than {value}");
                    }

                    break;
                default:
                    errors.Add($"{path}: schema keyword '{keyword}' is not supported by this validator");
                    break;
            }
        }
    }

    private JsonNode Dereference(string reference)
    {
        JsonNode node = _root;
        foreach (var segment in reference[2..].Split('/'))
        {
            var name = segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node[name] ?? throw new InvalidOperationException($"$ref '{reference}' points nowhere.");
        }

        return node;
    }

    private static bool HasType(JsonNode? instance, string type) => type switch
    {
        "null" => instance is null,
        "object" => instance is JsonObject,
        "array" => instance is JsonArray,
        "string" => instance is JsonValue v && v.GetValueKind() == JsonValueKind.String,
        "boolean" => instance is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "number" => IsNumber(instance),
        "integer" => IsNumber(instance) && instance!.GetValue<double>() % 1 == 0,
        _ => throw new NotSupportedException($"JSON Schema type '{type}'."),
    };

    private static bool IsNumber(JsonNode? instance) =>
        instance is JsonValue v && v.GetValueKind() == JsonValueKind.Number;

    private static int CodePoints(string text) => text.EnumerateRunes().Count();

    private static string Describe(JsonNode? instance) => instance switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind().ToString().ToLowerInvariant(),
        _ => "unknown",
    };
}
