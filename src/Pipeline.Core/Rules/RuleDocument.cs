using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Pipeline.Core.Rules;

/// <summary>
/// A syntax-neutral tree of a rule file (mapping, list, scalar) with 1-based line numbers, built from YAML parser
/// events or from a JSON reader, so one validator serves both formats and no reflection-based binding is needed.
/// </summary>
internal abstract class DocNode(int line)
{
    public int Line { get; } = line;

    /// <summary>How the node reads in an error message: <c>'text'</c>, <c>a mapping</c>, <c>a list</c>, <c>null</c>.</summary>
    public abstract string Describe();
}

internal sealed class DocScalar(int line, string value, bool isNull) : DocNode(line)
{
    public string Value { get; } = value;

    /// <summary>YAML <c>~</c>, <c>null</c> or an empty plain value; JSON <c>null</c>. Optional fields treat it as absent.</summary>
    public bool IsNull { get; } = isNull;

    public override string Describe() => IsNull ? "null" : $"'{Value}'";
}

internal sealed record DocEntry(DocScalar Key, DocNode Value);

internal sealed class DocMap(int line, IReadOnlyList<DocEntry> entries) : DocNode(line)
{
    public IReadOnlyList<DocEntry> Entries { get; } = entries;

    public override string Describe() => "a mapping";
}

internal sealed class DocList(int line, IReadOnlyList<DocNode> items) : DocNode(line)
{
    public IReadOnlyList<DocNode> Items { get; } = items;

    public override string Describe() => "a list";
}

/// <summary>Builds a <see cref="DocNode"/> tree; a syntax problem gives one error with the parser's line.</summary>
internal static class RuleDocument
{
    private const int MaxDepth = 64;

    public static (DocNode? Root, RuleError? Error) Parse(string text, RuleFileFormat format)
    {
        text = text.TrimStart('\uFEFF');
        switch (format)
        {
            case RuleFileFormat.Yaml:
                return ParseYaml(text);
            case RuleFileFormat.Json:
                return ParseJson(text);
            default:
                if (!LooksLikeJson(text))
                {
                    return ParseYaml(text);
                }

                // YAML flow style ({rules: [...]}) also starts with '{': fall back to YAML, but a file that fails both
                // was most likely meant as JSON, so its JSON error is the useful one.
                var json = ParseJson(text);
                if (json.Error is null)
                {
                    return json;
                }

                var yaml = ParseYaml(text);
                return yaml.Error is null ? yaml : json;
        }
    }

    private static bool LooksLikeJson(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        return trimmed.Length > 0 && trimmed[0] is '{' or '[';
    }

    private static RuleError SyntaxError(string message, int line) => new(null, string.Empty, message, line);

    private static (DocNode? Root, RuleError? Error) ParseYaml(string text)
    {
        var reader = new YamlReader(new Parser(new StringReader(text)));
        try
        {
            return reader.ReadDocument();
        }
        catch (YamlException ex)
        {
            return (null, SyntaxError("invalid YAML: " + ex.Message, ToLine(ex.Start.Line)));
        }
        catch (InvalidOperationException ex)
        {
            // The scanner reports some unterminated flow collections this way, without a position.
            return (null, SyntaxError($"invalid YAML after line {reader.LastLine.ToString(CultureInfo.InvariantCulture)} (unterminated [ ] or {{ }}?): {ex.Message}", reader.LastLine));
        }
    }

    private static int ToLine(long line) => (int)Math.Clamp(line, 1, int.MaxValue);

    private sealed class YamlReader(Parser parser)
    {
        private readonly Dictionary<string, DocNode> _anchors = new(StringComparer.Ordinal);

        public int LastLine { get; private set; } = 1;

        public (DocNode? Root, RuleError? Error) ReadDocument()
        {
            Next(); // StreamStart
            Next(); // DocumentStart, or StreamEnd for a file with nothing but comments
            if (Current() is StreamEnd or null)
            {
                return (null, SyntaxError("the file is empty; expected a mapping with 'rules'", LastLine));
            }

            Next();
            if (Current() is DocumentEnd)
            {
                return (null, SyntaxError("the file is empty; expected a mapping with 'rules'", LastLine));
            }

            var (root, error) = ReadNode(0);
            if (root is null)
            {
                return (null, error);
            }

            Next(); // DocumentEnd
            if (Current() is DocumentStart second)
            {
                return (null, SyntaxError("only one YAML document is allowed in a rule file", ToLine(second.Start.Line)));
            }

            return (root, null);
        }

        private ParsingEvent? Current() => parser.Current;

        private void Next()
        {
            parser.MoveNext();
            if (parser.Current is { } current)
            {
                LastLine = ToLine(current.Start.Line);
            }
        }

        private (DocNode? Node, RuleError? Error) ReadNode(int depth)
        {
            var ev = Current();
            if (depth > MaxDepth)
            {
                return (null, SyntaxError($"nesting deeper than {MaxDepth.ToString(CultureInfo.InvariantCulture)} levels", LastLine));
            }

            var line = ToLine(ev?.Start.Line ?? LastLine);
            DocNode node;
            switch (ev)
            {
                case Scalar scalar:
                    Next();
                    var isNull = scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";
                    node = new DocScalar(line, scalar.Value, isNull);
                    break;
                case AnchorAlias alias:
                    Next();
                    return _anchors.TryGetValue(alias.Value.Value, out var target)
                        ? (target, null)
                        : (null, SyntaxError($"alias '*{alias.Value.Value}' refers to no anchor defined before it", line));
                case SequenceStart:
                    {
                        Next();
                        var items = new List<DocNode>();
                        while (Current() is not SequenceEnd)
                        {
                            var (item, error) = ReadNode(depth + 1);
                            if (item is null)
                            {
                                return (null, error);
                            }

                            items.Add(item);
                        }

                        Next();
                        node = new DocList(line, items);
                        break;
                    }

                case MappingStart:
                    {
                        Next();
                        var entries = new List<DocEntry>();
                        while (Current() is not MappingEnd)
                        {
                            var (key, keyError) = ReadNode(depth + 1);
                            if (key is null)
                            {
                                return (null, keyError);
                            }

                            if (key is not DocScalar scalarKey)
                            {
                                return (null, SyntaxError("mapping keys must be plain names, not " + key.Describe(), key.Line));
                            }

                            var (value, valueError) = ReadNode(depth + 1);
                            if (value is null)
                            {
                                return (null, valueError);
                            }

                            entries.Add(new DocEntry(scalarKey, value));
                        }

                        Next();
                        node = new DocMap(line, entries);
                        break;
                    }

                default:
                    return (null, SyntaxError("unexpected " + (ev?.GetType().Name ?? "end of file"), line));
            }

            if (ev is NodeEvent { Anchor.IsEmpty: false } anchored)
            {
                _anchors[anchored.Anchor.Value] = node;
            }

            return (node, null);
        }
    }

    private static (DocNode? Root, RuleError? Error) ParseJson(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lines = new LineIndex(bytes);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = MaxDepth });
        try
        {
            if (!reader.Read())
            {
                return (null, SyntaxError("the file is empty; expected a JSON object with \"rules\"", 1));
            }

            var root = ReadJsonValue(ref reader, lines);
            while (reader.Read())
            {
                // Reading past the root makes the reader reject trailing content.
            }

            return (root, null);
        }
        catch (JsonException ex)
        {
            var message = ex.Message;
            var position = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (position > 0)
            {
                message = message[..position];
            }

            return (null, SyntaxError("invalid JSON: " + message, ToLine((ex.LineNumber ?? 0) + 1)));
        }
    }

    private static DocNode ReadJsonValue(ref Utf8JsonReader reader, LineIndex lines)
    {
        var line = lines.LineOf(reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                {
                    var entries = new List<DocEntry>();
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var key = new DocScalar(lines.LineOf(reader.TokenStartIndex), reader.GetString() ?? string.Empty, false);
                        reader.Read();
                        entries.Add(new DocEntry(key, ReadJsonValue(ref reader, lines)));
                    }

                    return new DocMap(line, entries);
                }

            case JsonTokenType.StartArray:
                {
                    var items = new List<DocNode>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        items.Add(ReadJsonValue(ref reader, lines));
                    }

                    return new DocList(line, items);
                }

            case JsonTokenType.String:
                return new DocScalar(line, reader.GetString() ?? string.Empty, false);
            case JsonTokenType.Null:
                return new DocScalar(line, string.Empty, true);
            default:
                // Numbers, true, false: their raw text, as a YAML plain scalar would give.
                return new DocScalar(line, Encoding.UTF8.GetString(reader.ValueSpan), false);
        }
    }

    /// <summary>Maps UTF-8 byte offsets to 1-based line numbers.</summary>
    private sealed class LineIndex
    {
        private readonly List<long> _lineStarts = [0];

        public LineIndex(byte[] bytes)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == (byte)'\n')
                {
                    _lineStarts.Add(i + 1);
                }
            }
        }

        public int LineOf(long offset)
        {
            var index = _lineStarts.BinarySearch(offset);
            return (index >= 0 ? index : ~index - 1) + 1;
        }
    }
}
