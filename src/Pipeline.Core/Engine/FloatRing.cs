using System.Runtime.InteropServices;

namespace Pipeline.Core.Engine;

/// <summary>Bulk (de)serialization of the float rings detectors keep: one copy instead of a call per value.</summary>
internal static class FloatRing
{
    public static void Write(BinaryWriter w, float[]? ring)
    {
        var n = ring?.Length ?? 0;
        w.Write(n);
        if (n == 0)
        {
            return;
        }

        if (BitConverter.IsLittleEndian)
        {
            w.Write(MemoryMarshal.AsBytes(ring.AsSpan()));
            return;
        }

        // BinaryWriter is little-endian everywhere; keep the format identical on big-endian machines.
        foreach (var value in ring!)
        {
            w.Write(value);
        }
    }

    public static float[]? Read(BinaryReader r)
    {
        var n = r.ReadInt32();
        if (n == 0)
        {
            return null;
        }

        var ring = new float[n];
        if (BitConverter.IsLittleEndian)
        {
            var bytes = MemoryMarshal.AsBytes(ring.AsSpan());
            if (r.Read(bytes) != bytes.Length)
            {
                throw new EndOfStreamException("State snapshot ends inside a detector history.");
            }

            return ring;
        }

        for (var i = 0; i < n; i++)
        {
            ring[i] = r.ReadSingle();
        }

        return ring;
    }
}
