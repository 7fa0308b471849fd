using System.Reflection;
using System.Reflection.Emit;

namespace Pipeline.Core.Tests.Architecture;

/// <summary>
/// Which namespaces of an assembly use which, read from the compiled types: base types, interfaces, fields, signatures,
/// locals, attributes and every type, method and field token in method bodies. Reading the IL (not the source's
/// <c>using</c> lines) also catches the uses C# allows without a <c>using</c>, such as a child namespace using its parent.
/// </summary>
internal sealed class NamespaceGraph
{
    private const BindingFlags Declared =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    // For each edge between two namespaces, one type-to-type use that makes it, to name in failures.
    private readonly Dictionary<(string From, string To), string> _edges = [];

    private NamespaceGraph(string root) => Root = root;

    public string Root { get; }

    public IEnumerable<(string From, string To)> Edges => _edges.Keys;

    /// <summary>The namespace graph of <paramref name="assembly"/>'s namespaces at or under <paramref name="root"/>.</summary>
    public static NamespaceGraph Of(Assembly assembly, string root)
    {
        var graph = new NamespaceGraph(root);
        foreach (var type in assembly.GetTypes())
        {
            graph.AddUsesOf(type);
        }

        return graph;
    }

    /// <summary>A graph with the given edges, to check <see cref="Cycles"/> itself.</summary>
    public static NamespaceGraph From(string root, params (string From, string To)[] edges)
    {
        var graph = new NamespaceGraph(root);
        foreach (var (from, to) in edges)
        {
            graph._edges[(from, to)] = $"{from} uses {to}";
        }

        return graph;
    }

    /// <summary>Why <paramref name="from"/> depends on <paramref name="to"/> (one use), or null if it does not.</summary>
    public string? Evidence(string from, string to) => _edges.GetValueOrDefault((from, to));

    /// <summary>
    /// Every strongly connected group of two or more namespaces (each such group contains a cycle), each described by one
    /// cycle through it with the use behind every step.
    /// </summary>
    public IReadOnlyList<string> Cycles()
    {
        var next = _edges.Keys.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).Order(StringComparer.Ordinal).ToList());
        var nodes = _edges.Keys.SelectMany(e => new[] { e.From, e.To }).Distinct().Order(StringComparer.Ordinal).ToList();
        var reach = nodes.ToDictionary(n => n, n => Reachable(n, next));
        var seen = new HashSet<string>();
        var cycles = new List<string>();
        foreach (var node in nodes)
        {
            if (seen.Contains(node) || !reach[node].Contains(node))
            {
                continue;
            }

            var group = nodes.Where(n => reach[node].Contains(n) && reach[n].Contains(node)).ToList();
            seen.UnionWith(group);
            var path = ShortestCycle(node, next);
            var steps = path.Zip(path.Skip(1), (a, b) => $"  {a} -> {b} ({_edges[(a, b)]})");
            cycles.Add($"{string.Join(", ", group)}:{Environment.NewLine}{string.Join(Environment.NewLine, steps)}");
        }

        return cycles;
    }

    private static HashSet<string> Reachable(string start, Dictionary<string, List<string>> next)
    {
        var found = new HashSet<string>();
        var stack = new Stack<string>([start]);
        while (stack.TryPop(out var n))
        {
            foreach (var m in next.GetValueOrDefault(n) ?? [])
            {
                if (found.Add(m))
                {
                    stack.Push(m);
                }
            }
        }

        return found;
    }

    // Breadth-first from start back to start: the path, start first and last.
    private static List<string> ShortestCycle(string start, Dictionary<string, List<string>> next)
    {
        var parent = new Dictionary<string, string>();
        var queue = new Queue<string>([start]);
        while (queue.TryDequeue(out var n))
        {
            foreach (var m in next.GetValueOrDefault(n) ?? [])
            {
                if (m == start)
                {
                    var path = new List<string> { n };
                    while (path[^1] != start)
                    {
                        path.Add(parent[path[^1]]);
                    }

                    path.Reverse();
                    path.Add(start);
                    return path;
                }

                if (parent.TryAdd(m, n))
                {
                    queue.Enqueue(m);
                }
            }
        }

        throw new InvalidOperationException($"{start} is on no cycle.");
    }

    private bool Owns(string? ns) => ns is not null && (ns == Root || ns.StartsWith(Root + ".", StringComparison.Ordinal));

    private void AddUsesOf(Type type)
    {
        if (!Owns(type.Namespace))
        {
            return;
        }

        var uses = new List<Type?> { type.BaseType };
        uses.AddRange(type.GetInterfaces());
        uses.AddRange(type.GetCustomAttributesData().Select(a => a.AttributeType));
        uses.AddRange(type.GetFields(Declared).Select(f => f.FieldType));
        uses.AddRange(type.GetProperties(Declared).Select(p => p.PropertyType));
        foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (method is MethodInfo info)
            {
                uses.Add(info.ReturnType);
            }

            uses.AddRange(method.GetParameters().Select(p => p.ParameterType));
            uses.AddRange(method.GetCustomAttributesData().Select(a => a.AttributeType));
            if (method.GetMethodBody() is { } body)
            {
                uses.AddRange(body.LocalVariables.Select(l => l.LocalType));
                uses.AddRange(TypesInBody(type, method, body));
            }
        }

        foreach (var used in uses.SelectMany(Expand))
        {
            if (Owns(used.Namespace) && used.Namespace != type.Namespace)
            {
                _edges.TryAdd((type.Namespace!, used.Namespace!), $"{type.FullName} uses {used.FullName}");
            }
        }
    }

    // A type and the types it is built from: element types and generic arguments.
    private static IEnumerable<Type> Expand(Type? type)
    {
        if (type is null || type.IsGenericParameter)
        {
            yield break;
        }

        if (type.HasElementType)
        {
            foreach (var t in Expand(type.GetElementType()))
            {
                yield return t;
            }

            yield break;
        }

        yield return type;
        if (type.IsConstructedGenericType)
        {
            foreach (var t in type.GetGenericArguments().SelectMany(Expand))
            {
                yield return t;
            }
        }
    }

    // Walks the IL, resolving every type, method and field token to the types it names.
    private static IEnumerable<Type?> TypesInBody(Type type, MethodBase method, MethodBody body)
    {
        var il = body.GetILAsByteArray() ?? [];
        var typeArgs = type.IsGenericType ? type.GetGenericArguments() : null;
        var methodArgs = method is MethodInfo { IsGenericMethod: true } ? method.GetGenericArguments() : null;
        var i = 0;
        while (i < il.Length)
        {
            short value = il[i++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[i++]);
            }

            var op = OpCodesByValue[value];
            switch (op.OperandType)
            {
                case OperandType.InlineType or OperandType.InlineTok or OperandType.InlineMethod or OperandType.InlineField:
                    var member = type.Module.ResolveMember(BitConverter.ToInt32(il, i), typeArgs, methodArgs);
                    yield return member as Type ?? member?.DeclaringType;
                    if (member is MethodInfo { IsGenericMethod: true } generic)
                    {
                        foreach (var arg in generic.GetGenericArguments())
                        {
                            yield return arg;
                        }
                    }

                    if (member is FieldInfo field)
                    {
                        yield return field.FieldType;
                    }

                    i += 4;
                    break;
                case OperandType.InlineSwitch:
                    i += 4 + (4 * BitConverter.ToInt32(il, i));
                    break;
                default:
                    i += OperandSize(op.OperandType);
                    break;
            }
        }
    }

    private static int OperandSize(OperandType operand) => operand switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        _ => 4,
    };
}
