using Pipeline.Core.Alerts;
using Pipeline.Core.Engine;
using Pipeline.Core.Events;
using Pipeline.Core.Observability;
using Pipeline.Core.Rules;
using Pipeline.Core.RuleSets;
using Pipeline.Core.State;

namespace Pipeline.Core.Processing;

/// <summary>
/// Runs the flow of docs/architecture.md ("From an event's bytes to its alert") over the ports: decode → group by key → load → apply → persist (ETag) → publish outbox →
/// clear outbox. The Function App and the CLI are thin shells over this class. Calls are serialized internally;
/// processing time is always an argument (the host's invocation time, or the stream's time in a replay).
/// </summary>
public sealed class PartitionProcessor : IDisposable
{
    private readonly IStateStore _store;
    private readonly IAlertSink _sink;
    private readonly IDeadLetterStore _deadLetters;
    private readonly IAlertHistory? _history;
    private readonly ProcessorOptions _options;
    private readonly TelemetryDecoder _decoder;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly PipelineTelemetry? _telemetry;

    // Alerts waiting in this processor's outboxes as last reported to the telemetry (it counts changes).
    private long _outboxReported;

    // Keys this processor owns: state plus the ETag it was loaded or saved with.
    private readonly Dictionary<string, CachedKey> _cache = new(StringComparer.Ordinal);

    // Keys held here whose outbox is not empty, with the number of alerts waiting in it (so the Sweep and the
    // delivery retry them without scanning the cache, and the count of what waits is at hand).
    private readonly Dictionary<string, int> _unpublished = new(StringComparer.Ordinal);
    private long _waiting;

    // One delivery at a time; it holds the gate only to read and to clear outboxes, never while the sink works.
    private readonly SemaphoreSlim _delivery = new(1, 1);
    private readonly DeliveryBackoff _backoff;

    // Expected keys (heartbeat `expected`) known to exist in the store; the others are created by the Sweep.
    private readonly HashSet<string> _expectedEnsured = new(StringComparer.Ordinal);
    private KeyEngine _engine;

    // Replaced (never mutated) under the gate, so readers on other threads see a consistent snapshot.
    private RunTotals _totals = RunTotals.Zero;

    // Call counter: the cache's clock for least-recently-used eviction.
    private long _calls;

    public PartitionProcessor(RuleSet rules, IStateStore store, IAlertSink sink, IDeadLetterStore deadLetters,
        ProcessorOptions? options = null, IAlertHistory? history = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(store);
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _deadLetters = deadLetters ?? throw new ArgumentNullException(nameof(deadLetters));
        _history = history;
        _options = options ?? new ProcessorOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxCachedKeys, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxOutboxPerKey, 1, nameof(options));
        _backoff = new DeliveryBackoff(_options.DeliveryRetryDelay, _options.MaxDeliveryRetryDelay);
        _decoder = new TelemetryDecoder(WithStoreLimits(_options.Decoder, store, history));
        _engine = new KeyEngine(RuleSetCompiler.Compile(rules, _options.Environment));
        _telemetry = _options.Telemetry;
        _store = _telemetry is null ? store : new InstrumentedStateStore(store, _telemetry);
        _telemetry?.RecordRules(rules.Version, null);
    }

    public RuleSet Rules => _engine.Rules.RuleSet;

    /// <summary>The decoder options plus the key limits of the stores that have them, so a key a store cannot hold is
    /// dead-lettered as it is decoded instead of failing every retry of its batch at write time.</summary>
    internal static DecoderOptions WithStoreLimits(DecoderOptions options, params IEnumerable<object?> ports)
    {
        var limits = new List<IKeyLimit>(options.KeyLimits);
        foreach (var port in ports)
        {
            if (port is IKeyLimit limit && !limits.Contains(limit))
            {
                limits.Add(limit);
            }
        }

        return limits.Count == options.KeyLimits.Count ? options : options with { KeyLimits = limits };
    }

    /// <summary>Keys currently held in memory.</summary>
    public int CachedKeys => _cache.Count;

    /// <summary>Alerts waiting in the outboxes of the keys this processor holds (safe to read from any thread).</summary>
    public long WaitingAlerts => Interlocked.Read(ref _waiting);

    /// <summary>When delivery may next be tried after failures (null: now); <see cref="DeliverAsync"/> waits until then.</summary>
    public DateTimeOffset? NextDeliveryAttempt => _backoff.NextAttempt;

    /// <summary>Totals since this processor started (a snapshot; safe to read from any thread).</summary>
    public RunTotals Totals => Volatile.Read(ref _totals);

    /// <summary>Replaces the active rules from the next call on. State of rules whose definition is unchanged is kept.</summary>
    public async Task ReplaceRulesAsync(RuleSet rules, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var compiled = RuleSetCompiler.Compile(rules, _options.Environment);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var replaced = _engine.Rules.RuleSet.Version;
            _engine = new KeyEngine(compiled);
            _telemetry?.RecordRules(rules.Version, replaced);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Decodes and processes a batch of raw bodies. Malformed bodies are dead-lettered; the rest are applied.</summary>
    public async Task<BatchResult> ProcessAsync(IReadOnlyList<RawEvent> events, DateTimeOffset processingTime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var start = _telemetry?.Timestamp() ?? 0;
        using var batch = _telemetry?.StartActivity("pipeline.batch");
        var decoded = new List<Telemetry>(events.Count);
        var rejected = new List<DeadLetter>();
        using var decoding = _telemetry?.StartActivity("pipeline.decode");
        foreach (var raw in events)
        {
            if (_decoder.TryDecode(raw, out var telemetry, out var failure))
            {
                decoded.Add(telemetry);
            }
            else
            {
                rejected.Add(new DeadLetter(DeadLetter.CreateId(raw.Source, raw.Body.Span), raw.Body, raw.Source,
                    DeadLetterReason.Malformed, failure.ToString(), processingTime));
            }
        }

        decoding?.Dispose();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (rejected.Count > 0)
            {
                // Dead letters are written before anything is reported as done, so nothing accepted is lost.
                await _deadLetters.AddAsync(rejected, cancellationToken).ConfigureAwait(false);
            }

            var result = await ProcessDecodedAsync(decoded, processingTime, cancellationToken).ConfigureAwait(false);
            result = result with { Dispositions = result.Dispositions with { Received = events.Count, Malformed = rejected.Count } };
            Count(result);
            Observe("ingest", result, events.Count, start);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Processes already decoded events (CLI sources and benchmarks that decode themselves).</summary>
    public async Task<BatchResult> ProcessAsync(IReadOnlyList<Telemetry> events, DateTimeOffset processingTime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var start = _telemetry?.Timestamp() ?? 0;
        using var batch = _telemetry?.StartActivity("pipeline.batch");
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await ProcessDecodedAsync(events, processingTime, cancellationToken).ConfigureAwait(false);
            result = result with { Dispositions = result.Dispositions with { Received = events.Count } };
            Count(result);
            Observe("ingest", result, events.Count, start);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Advances idle keys to <paramref name="processingTime"/> (heartbeats, <c>for</c>, window close) and retries
    /// unpublished outboxes. Finds due keys through the store's deadline index, never by reading every key.
    /// </summary>
    public async Task<BatchResult> SweepAsync(DateTimeOffset processingTime, CancellationToken cancellationToken = default)
    {
        var start = _telemetry?.Timestamp() ?? 0;
        using var sweep = _telemetry?.StartActivity("pipeline.sweep");
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var due = new HashSet<string>(await _store.GetDueKeysAsync(processingTime, _options.SweepBatchSize, cancellationToken).ConfigureAwait(false), StringComparer.Ordinal);

            // Expected keys are created once; from then on the deadline index brings them back like any key.
            var create = new List<string>();
            foreach (var expected in _engine.Rules.ExpectedKeys)
            {
                if (!_expectedEnsured.Contains(expected))
                {
                    due.Add(expected);
                    create.Add(expected);
                }
            }

            // Keys held in memory with unpublished alerts are retried even if the index has not caught up.
            due.UnionWith(_unpublished.Keys);

            var work = due.ToDictionary(k => k, _ => (IReadOnlyList<Telemetry>)[], StringComparer.Ordinal);
            var result = await RunAsync(work, processingTime, createMissing: create, cancellationToken).ConfigureAwait(false);
            _expectedEnsured.UnionWith(create);
            Count(result);
            Observe("sweep", result, 0, start);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The state of one key, or null if the key was never seen.</summary>
    public async Task<KeyView?> GetKeyAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var loaded = await _store.LoadAsync([key], cancellationToken).ConfigureAwait(false);
            if (!loaded.TryGetValue(key, out var stored))
            {
                return _cache.TryGetValue(key, out var cached) ? _engine.View(cached.State) : null;
            }

            var state = KeyStateSerializer.Read(stored.Snapshot.Span, key);
            if (!_cache.TryGetValue(key, out var mine) || mine.ETag != stored.ETag)
            {
                _cache[key] = new CachedKey(state, stored.ETag);
            }

            return _engine.View(state);
        }
        finally
        {
            _gate.Release();
        }
    }

    private Task<BatchResult> ProcessDecodedAsync(IReadOnlyList<Telemetry> events, DateTimeOffset processingTime, CancellationToken cancellationToken)
    {
        _telemetry?.RecordLag(events, processingTime);

        // Group by key, keeping arrival order within a key.
        var byKey = new Dictionary<string, IReadOnlyList<Telemetry>>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (!byKey.TryGetValue(e.Key, out var list))
            {
                list = new List<Telemetry>();
                byKey[e.Key] = list;
            }

            ((List<Telemetry>)list).Add(e);
        }

        return RunAsync(byKey, processingTime, createMissing: null, cancellationToken);
    }

    private async Task<BatchResult> RunAsync(Dictionary<string, IReadOnlyList<Telemetry>> work, DateTimeOffset processingTime,
        IReadOnlyCollection<string>? createMissing, CancellationToken cancellationToken)
    {
        try
        {
            return await RunOnceAsync(work, processingTime, createMissing, sweep: createMissing is not null, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A failed call must leave no effect: its events may already be applied to the cached states, and the
            // caller sends them again (a 503 to the CLI's HTTP client, the Ingest retry policy). Forgetting these keys
            // makes the next call reload what the store really holds, so nothing is counted twice.
            Forget(work.Keys);
            throw;
        }
    }

    private void Forget(IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            _cache.Remove(key);
            SetWaiting(key, 0);
        }
    }

    /// <summary>Records how many alerts wait in <paramref name="key"/>'s outbox.</summary>
    private void SetWaiting(string key, int count)
    {
        _unpublished.TryGetValue(key, out var before);
        if (count > 0)
        {
            _unpublished[key] = count;
        }
        else
        {
            _unpublished.Remove(key);
        }

        Interlocked.Add(ref _waiting, count - before);
    }

    private async Task<BatchResult> RunOnceAsync(Dictionary<string, IReadOnlyList<Telemetry>> work, DateTimeOffset processingTime,
        IReadOnlyCollection<string>? createMissing, bool sweep, CancellationToken cancellationToken)
    {
        var counters = default(Dispositions);
        var deadLetters = new List<DeadLetter>();
        var overflow = 0;
        var call = ++_calls;
        using (_telemetry?.StartActivity("pipeline.load"))
        {
            await EnsureLoadedAsync(work.Keys, forceReload: null, cancellationToken).ConfigureAwait(false);
        }

        using var applying = _telemetry?.StartActivity("pipeline.apply");
        var touched = new List<string>(work.Count);
        foreach (var (key, keyEvents) in work)
        {
            if (!_cache.TryGetValue(key, out var cached))
            {
                if (keyEvents.Count == 0 && (createMissing is null || !createMissing.Contains(key)))
                {
                    continue; // an index entry for a key that no longer exists
                }

                cached = new CachedKey(_engine.NewState(key, processingTime), null);
                _cache[key] = cached;
            }

            _engine.Apply(cached.State, keyEvents, processingTime, ref counters, deadLetters);
            if (_options.History is { } history)
            {
                if (keyEvents.Count > 0)
                {
                    history.Record(keyEvents);
                }

                history.RecordState(key, _engine.HasPending(cached.State), processingTime);
            }

            cached.LastUsed = call;
            touched.Add(key);
            overflow += BoundOutbox(cached.State, processingTime, deadLetters);
        }

        if (deadLetters.Count > 0)
        {
            await _deadLetters.AddAsync(deadLetters, cancellationToken).ConfigureAwait(false);
        }

        applying?.Dispose();
        int conflicts;
        using (_telemetry?.StartActivity("pipeline.persist"))
        {
            conflicts = await PersistAsync(touched, work, processingTime, cancellationToken).ConfigureAwait(false);
        }

        // Deferred delivery: the caller's delivery loop publishes (DeliverAsync), so a slow or failing sink never
        // holds this call. Inline delivery skips publishing in batches while the sink is in its backoff after a
        // failure, which leaves the alerts to the Sweep (it always tries: it runs on its own interval) instead of
        // making every batch wait for a sink that is down.
        var attempt = !_options.DeferDelivery && (sweep || _backoff.IsDue(processingTime));
        IReadOnlyList<AlertEvent> published = [];
        string? error = null;
        if (attempt)
        {
            using var publishing = _telemetry?.StartActivity("pipeline.publish");
            (published, error) = await PublishOutboxesAsync(touched, cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                publishing?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error);
            }
        }

        if (attempt && (published.Count > 0 || error is not null))
        {
            _backoff.Record(error is null, processingTime);
        }

        var writes = touched.Count;
        if (published.Count > 0)
        {
            // Clear the published alerts from the stored outboxes now rather than with the next batch, so a
            // restart does not republish them (republishing would still be harmless: ids are stable).
            var cleared = touched.Where(k => _cache[k].Dirty).ToList();
            conflicts += await PersistAsync(cleared, work, processingTime, cancellationToken).ConfigureAwait(false);
            writes += cleared.Count;
        }

        var outbox = 0;
        foreach (var key in touched)
        {
            var count = _cache[key].State.Outbox.Count;
            outbox += count;
            SetWaiting(key, count);
        }

        EvictIfNeeded(call);
        return new BatchResult
        {
            Dispositions = counters,
            Keys = touched.Count,
            StateWrites = writes,
            Conflicts = conflicts,
            Published = published,
            AlertsInOutbox = outbox,
            PublishError = error,
            OutboxDeadLettered = overflow,
        };
    }

    /// <summary>
    /// Keeps at most <see cref="ProcessorOptions.MaxOutboxPerKey"/> alerts waiting for one key: beyond it the oldest
    /// go to the dead-letter store (the CloudEvent as the body, reason <see cref="DeadLetterReason.OutboxFull"/>), so an
    /// outage of the sink costs bounded state per key and loses nothing silently. The newest are kept: they carry the
    /// alert's current status, which a consumer keeping the last sequence per subject needs.
    /// </summary>
    private int BoundOutbox(KeyState state, DateTimeOffset processingTime, List<DeadLetter> deadLetters)
    {
        var excess = state.Outbox.Count - _options.MaxOutboxPerKey;
        if (excess <= 0)
        {
            return 0;
        }

        foreach (var alert in state.Outbox.Take(excess))
        {
            var body = alert.ToJsonBytes();
            var position = new SourcePosition("outbox", alert.Data.Sequence, processingTime);
            deadLetters.Add(new DeadLetter(DeadLetter.CreateId(position, body), body, position, DeadLetterReason.OutboxFull,
                $"Alert {alert.Id} of key '{state.Key}' was not delivered and its outbox holds {_options.MaxOutboxPerKey} newer alerts.",
                processingTime));
        }

        state.Outbox.RemoveRange(0, excess);
        return excess;
    }

    /// <summary>
    /// Publishes the alerts waiting in the outboxes of the keys held here, then clears them from the stored state. The
    /// sink is called without holding the processor, so intake goes on while a receiver is slow, failing or silent.
    /// After a failure the next attempt waits (<see cref="NextDeliveryAttempt"/>: doubling from
    /// <see cref="ProcessorOptions.DeliveryRetryDelay"/> up to <see cref="ProcessorOptions.MaxDeliveryRetryDelay"/>);
    /// a call before then publishes nothing.
    /// </summary>
    public async Task<BatchResult> DeliverAsync(DateTimeOffset processingTime, CancellationToken cancellationToken = default)
    {
        await _delivery.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_backoff.IsDue(processingTime))
            {
                return new BatchResult { AlertsInOutbox = (int)Math.Min(int.MaxValue, WaitingAlerts) };
            }

            // 1. What waits, copied under the gate.
            List<AlertEvent> waiting;
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                waiting = [.. _unpublished.Keys.SelectMany(k => _cache.TryGetValue(k, out var c) ? c.State.Outbox : [])];
            }
            finally
            {
                _gate.Release();
            }

            if (waiting.Count == 0)
            {
                return new BatchResult();
            }

            // 2. The sink, outside the gate.
            waiting.Sort(ByTimeThenSequence);
            var published = new List<AlertEvent>(waiting.Count);
            string? error = null;
            try
            {
                foreach (var batch in AlertBatching.Split(waiting, _options.MaxPublishBatchEvents, _options.MaxPublishBatchBytes))
                {
                    await _sink.PublishAsync(batch, cancellationToken).ConfigureAwait(false);
                    published.AddRange(batch);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A receiver that does not answer in time surfaces here as a timeout: the alerts keep waiting.
                error = ex.Message;
            }

            _backoff.Record(error is null, processingTime);

            // 3. Clear what was published from the outboxes and the stored state, under the gate.
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var ids = published.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
                var cleared = new List<string>();
                foreach (var key in _unpublished.Keys.ToList())
                {
                    if (_cache.TryGetValue(key, out var cached) && cached.State.Outbox.RemoveAll(a => ids.Contains(a.Id)) > 0)
                    {
                        cached.Dirty = true;
                        cleared.Add(key);
                    }
                }

                var writes = 0;
                var conflicts = 0;
                try
                {
                    if (_history is not null && published.Count > 0)
                    {
                        await _history.RecordAsync(published, cancellationToken).ConfigureAwait(false);
                    }

                    conflicts = await PersistAsync(cleared, [], processingTime, cancellationToken).ConfigureAwait(false);
                    writes = cleared.Count;
                }
                catch
                {
                    // Reloaded later with the published alerts still in the stored outbox: they go out again, with
                    // the same ids, which a consumer keeping the last sequence per subject ignores.
                    Forget(cleared);
                    throw;
                }

                foreach (var key in cleared)
                {
                    SetWaiting(key, _cache[key].State.Outbox.Count);
                }

                var result = new BatchResult
                {
                    Keys = cleared.Count,
                    StateWrites = writes,
                    Conflicts = conflicts,
                    Published = published,
                    AlertsInOutbox = (int)Math.Min(int.MaxValue, WaitingAlerts),
                    PublishError = error,
                };
                Count(result);
                return result;
            }
            finally
            {
                _gate.Release();
            }
        }
        finally
        {
            _delivery.Release();
        }
    }

    private static int ByTimeThenSequence(AlertEvent a, AlertEvent b) =>
        a.Time.CompareTo(b.Time) is var c && c != 0 ? c : a.Data.Sequence.CompareTo(b.Data.Sequence);

    private async Task EnsureLoadedAsync(IEnumerable<string> keys, HashSet<string>? forceReload, CancellationToken cancellationToken)
    {
        var missing = keys.Where(k => !_cache.ContainsKey(k) || (forceReload?.Contains(k) ?? false)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        var loaded = await _store.LoadAsync(missing, cancellationToken).ConfigureAwait(false);
        foreach (var key in missing)
        {
            if (loaded.TryGetValue(key, out var stored))
            {
                _cache[key] = new CachedKey(KeyStateSerializer.Read(stored.Snapshot.Span, key), stored.ETag);
            }
            else
            {
                _cache.Remove(key);
            }
        }
    }

    /// <summary>Writes the touched keys with their ETags; on a conflict reloads that key and re-applies its events.</summary>
    private async Task<int> PersistAsync(List<string> keys, Dictionary<string, IReadOnlyList<Telemetry>> work, DateTimeOffset processingTime,
        CancellationToken cancellationToken)
    {
        var conflicts = 0;
        var pending = keys;
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            // One call for all keys, each write conditional on its own ETag: the store may group them into
            // transactions (Table storage: up to 100 keys of one bucket per request) and reports conflicts per key.
            var writes = pending.Select(k => (Key: k, Cached: _cache[k])).ToList();
            var saves = writes.Select(w => new StateWrite(w.Key, KeyStateSerializer.Write(w.Cached.State), w.Cached.ETag,
                _engine.NextDeadline(w.Cached.State, processingTime, _options.BufferIdleDelay))).ToList();
            var saved = await _store.SaveManyAsync(saves, cancellationToken).ConfigureAwait(false);
            var conflicted = new List<string>();
            for (var i = 0; i < writes.Count; i++)
            {
                if (saved[i].ETag is { } etag)
                {
                    writes[i].Cached.ETag = etag;
                    writes[i].Cached.Dirty = false;
                }
                else
                {
                    conflicted.Add(writes[i].Key);
                }
            }

            if (conflicted.Count == 0)
            {
                break;
            }

            conflicts += conflicted.Count;
            if (attempt >= _options.MaxConflictRetries)
            {
                throw new StateConflictException($"State of {conflicted.Count} key(s) kept changing under this batch after {attempt + 1} attempts (e.g. '{conflicted.First()}').");
            }

            // Someone else wrote these keys: take their state and re-apply ours on top. Apply is idempotent by
            // source position, so events they already applied count as duplicates, not twice.
            var reload = conflicted.ToHashSet(StringComparer.Ordinal);
            await EnsureLoadedAsync(reload, reload, cancellationToken).ConfigureAwait(false);
            foreach (var key in reload)
            {
                if (!_cache.TryGetValue(key, out var cached))
                {
                    cached = new CachedKey(_engine.NewState(key, processingTime), null);
                    _cache[key] = cached;
                }

                // Counters and dead letters of the first apply stand; this one only rebuilds the state.
                var ignored = default(Dispositions);
                _engine.Apply(cached.State, work.TryGetValue(key, out var evs) ? evs : [], processingTime, ref ignored, []);
            }

            pending = [.. reload];
        }

        return conflicts;
    }

    private async Task<(IReadOnlyList<AlertEvent> Published, string? Error)> PublishOutboxesAsync(List<string> keys, CancellationToken cancellationToken)
    {
        var toPublish = new List<(CachedKey Owner, AlertEvent Alert)>();
        foreach (var key in keys)
        {
            var cached = _cache[key];
            foreach (var alert in cached.State.Outbox)
            {
                toPublish.Add((cached, alert));
            }
        }

        if (toPublish.Count == 0)
        {
            return ([], null);
        }

        // Publish in event-time order so consumers see a sensible timeline; ids keep it idempotent anyway.
        toPublish.Sort((a, b) => ByTimeThenSequence(a.Alert, b.Alert));
        var published = new List<AlertEvent>(toPublish.Count);
        try
        {
            foreach (var batch in AlertBatching.Split(toPublish.Select(p => p.Alert).ToList(), _options.MaxPublishBatchEvents, _options.MaxPublishBatchBytes))
            {
                await _sink.PublishAsync(batch, cancellationToken).ConfigureAwait(false);
                published.AddRange(batch);
                var ids = batch.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
                foreach (var (owner, _) in toPublish)
                {
                    if (owner.State.Outbox.RemoveAll(a => ids.Contains(a.Id)) > 0)
                    {
                        owner.Dirty = true;
                    }
                }
            }

            if (_history is not null)
            {
                await _history.RecordAsync(published, cancellationToken).ConfigureAwait(false);
            }

            return (published, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The alerts stay in their outboxes (already persisted) and are retried by the next batch or Sweep.
            if (_history is not null && published.Count > 0)
            {
                await _history.RecordAsync(published, cancellationToken).ConfigureAwait(false);
            }

            return (published, ex.Message);
        }
    }

    public void Dispose()
    {
        _gate.Dispose();
        _delivery.Dispose();
    }

    private void Count(BatchResult result) => Volatile.Write(ref _totals, _totals + RunTotals.Of(result));

    /// <summary>Reports one call to the telemetry, if there is one (under the gate).</summary>
    private void Observe(string operation, BatchResult result, int events, long start)
    {
        if (_telemetry is not { } telemetry)
        {
            return;
        }

        telemetry.RecordDispositions(result.Dispositions);
        telemetry.RecordBatch(operation, events, result.Keys, result.Conflicts, result.Published, result.PublishError, start);

        // The processor's whole outbox: every key's waiting count, kept as outboxes change.
        var waiting = WaitingAlerts;

        telemetry.RecordOutboxChange(waiting - _outboxReported);
        _outboxReported = waiting;
    }

    /// <summary>Drops the least recently used clean keys (persisted, nothing to publish) once the cache is over its bound.</summary>
    private void EvictIfNeeded(long call)
    {
        if (_cache.Count <= _options.MaxCachedKeys)
        {
            return;
        }

        // Evict down to 90% so this sort happens once per many calls, not on every call at the bound.
        var target = _options.MaxCachedKeys - (_options.MaxCachedKeys / 10);
        var victims = _cache
            .Where(p => p.Value.LastUsed < call && !p.Value.Dirty && p.Value.ETag is not null && p.Value.State.Outbox.Count == 0)
            .OrderBy(p => p.Value.LastUsed)
            .Take(_cache.Count - target)
            .Select(p => p.Key)
            .ToList();
        foreach (var key in victims)
        {
            _cache.Remove(key);
        }
    }

    private sealed class CachedKey(KeyState state, string? etag)
    {
        public KeyState State { get; } = state;

        public string? ETag { get; set; } = etag;

        /// <summary>Changed in memory since the last successful write.</summary>
        public bool Dirty { get; set; }

        /// <summary>The processor call that last used this key.</summary>
        public long LastUsed { get; set; }
    }
}
