namespace Pipeline.Local;

/// <summary>
/// The most recent distinct ids, up to a capacity given at each addition (the files' <c>RememberedIds</c>, set after
/// construction): adding one beyond it forgets the oldest. What the JSON Lines files remember to stay idempotent
/// without their memory growing with the run. Not thread-safe: its owner locks.
/// </summary>
internal sealed class RecentIds
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public int Count => _ids.Count;

    public bool Contains(string id) => _ids.Contains(id);

    /// <summary>Remembers <paramref name="id"/> as the newest, forgetting the oldest beyond <paramref name="capacity"/> (0 or less: none).</summary>
    public void Remember(string id, int capacity)
    {
        if (capacity <= 0 || !_ids.Add(id))
        {
            return;
        }

        _order.Enqueue(id);
        while (_order.Count > capacity)
        {
            _ids.Remove(_order.Dequeue());
        }
    }

    public void Clear()
    {
        _ids.Clear();
        _order.Clear();
    }
}
