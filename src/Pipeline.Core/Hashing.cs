using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Core;

/// <summary>Deterministic ids: the same inputs give the same id on every machine and every run.</summary>
public static class Hashing
{
    /// <summary>A 32-hex-character id from the parts, joined unambiguously.</summary>
    public static string StableId(params ReadOnlySpan<string> parts)
    {
        var builder = new StringBuilder();
        foreach (var part in parts)
        {
            builder.Append(part.Length).Append(':').Append(part).Append('|');
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(builder.ToString()), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
