namespace Pipeline.Core.Events;

/// <summary>A limit a store puts on the keys it can hold (Table storage: 1 KiB per escaped key).</summary>
public interface IKeyLimit
{
    /// <summary>Why <paramref name="key"/> cannot be stored, as a phrase after the key (<c>"escapes to …"</c>), or null when it can.</summary>
    string? Check(string key);
}
