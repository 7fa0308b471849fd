using Pipeline.Core.State;

namespace Pipeline.Core.Observability;

/// <summary>
/// A state store that times every call and counts the ones that throw (<c>pipeline.state.operation.duration</c>,
/// <c>pipeline.state.failures</c>); the processor wraps its store in it, so each store implementation stays as it is.
/// </summary>
internal sealed class InstrumentedStateStore(IStateStore inner, PipelineTelemetry telemetry) : IStateStore
{
    public async Task<IReadOnlyDictionary<string, StoredState>> LoadAsync(IReadOnlyCollection<string> keys, CancellationToken cancellationToken = default)
    {
        var start = telemetry.Timestamp();
        try
        {
            var loaded = await inner.LoadAsync(keys, cancellationToken).ConfigureAwait(false);
            telemetry.RecordStateCall("load", start, null);
            return loaded;
        }
        catch (Exception ex) when (Record("load", start, ex))
        {
            throw;
        }
    }

    public async Task<string> SaveAsync(StateWrite write, CancellationToken cancellationToken = default)
    {
        var start = telemetry.Timestamp();
        try
        {
            var etag = await inner.SaveAsync(write, cancellationToken).ConfigureAwait(false);
            telemetry.RecordStateCall("save", start, null);
            return etag;
        }
        catch (Exception ex) when (Record("save", start, ex))
        {
            throw;
        }
    }

    public async Task<IReadOnlyList<StateSaveResult>> SaveManyAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken = default)
    {
        var start = telemetry.Timestamp();
        try
        {
            var saved = await inner.SaveManyAsync(writes, cancellationToken).ConfigureAwait(false);
            telemetry.RecordStateCall("save", start, null);
            return saved;
        }
        catch (Exception ex) when (Record("save", start, ex))
        {
            throw;
        }
    }

    public async Task<IReadOnlyList<string>> GetDueKeysAsync(DateTimeOffset asOf, int maxKeys, CancellationToken cancellationToken = default)
    {
        var start = telemetry.Timestamp();
        try
        {
            var due = await inner.GetDueKeysAsync(asOf, maxKeys, cancellationToken).ConfigureAwait(false);
            telemetry.RecordStateCall("due_keys", start, null);
            return due;
        }
        catch (Exception ex) when (Record("due_keys", start, ex))
        {
            throw;
        }
    }

    // A conflict is an answer, not a failure (counted as pipeline.state.conflicts); a cancelled call is neither.
    private bool Record(string operation, long start, Exception ex)
    {
        if (ex is not StateConflictException and not OperationCanceledException)
        {
            telemetry.RecordStateCall(operation, start, ex);
        }

        return false;
    }
}
