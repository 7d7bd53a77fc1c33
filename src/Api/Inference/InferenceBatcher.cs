using System.Buffers;
using System.Diagnostics;
using Autoencoder.Api.Metrics;

namespace Autoencoder.Api.Inference;

/// <summary>
/// Coalesces concurrent requests to one model stage (encoder or decoder) into batched runs. A caller that finds the
/// stage idle runs its own request at once, on its own thread; callers that arrive while a batch runs queue up and
/// form the next batch, so batches grow exactly as fast as requests outpace the model, and a lone request pays no
/// thread switch. Once the caller's own batch is done, a thread-pool worker takes over what queued meanwhile, so no
/// caller waits on others' batches. Each caller gets back its own rows, in order. A caller that gives up before its
/// batch starts is skipped; one that gives up later leaves the batch to finish for the others and gets nothing.
/// With a delay configured, the first caller's batch instead waits up to that long for company (or a full batch).
/// </summary>
public static class InferenceBatcher
{
    /// <summary>The batching of one model stage.</summary>
    /// <param name="run">Runs a batch: (rows, row count) to outputs, <paramref name="outputSize"/> per row; reads only the first row count rows of rows, and only while it runs.</param>
    /// <param name="inputSize">Floats per input row.</param>
    /// <param name="outputSize">Floats per output row.</param>
    /// <param name="options">Batch size and delay.</param>
    /// <param name="metrics">Where queue waits are recorded.</param>
    /// <param name="model">The model's name, for the metrics.</param>
    /// <param name="stage">"encoder" or "decoder", for the metrics.</param>
    /// <param name="statistics">The stage's statistics, where queue waits are counted too.</param>
    public static InferenceBatcher<float[]> ForStage(
        Func<float[], int, float[]> run, int inputSize, int outputSize, BatchingOptions options, ApiMetrics metrics, string model, string stage, StageStatistics? statistics = null) =>
        new(run, (output, first, rows) => output[(first * outputSize)..((first + rows) * outputSize)], inputSize, options, QueueOf(metrics, model, stage, statistics));

    /// <summary>Where a stage's queue waits go: its queue-wait metric and its statistics.</summary>
    public static Action<long> QueueOf(ApiMetrics metrics, string model, string stage, StageStatistics? statistics)
    {
        var queueWait = metrics.QueueWait.WithLabels(model, stage);
        return ticks =>
        {
            queueWait.Observe(Stopwatch.GetElapsedTime(0, ticks).TotalSeconds);
            statistics?.Queued(ticks);
        };
    }
}

/// <summary>
/// The batching <see cref="InferenceBatcher"/> describes, for any run whose output holds rows that each caller takes its
/// own of: one stage's outputs, or both stages' when a request runs through the encoder and the decoder at once.
/// </summary>
/// <typeparam name="TOutput">What a batch's run gives, and each caller gets its part of.</typeparam>
public sealed class InferenceBatcher<TOutput> : IDisposable
{
    private readonly Lock gate = new();
    private readonly Queue<Pending> queue = new();
    private readonly Func<float[], int, TOutput> run;
    private readonly Func<TOutput, int, int, TOutput> part;
    private readonly int inputSize;
    private readonly int maxBatchSize;
    private readonly TimeSpan maxDelay;
    private readonly Action<long> queued;

    // Guarded by gate: whether some thread is taking batches off the queue; rows queued; signals for a delayed
    // batch that filled up, and for Dispose waiting until the queue is drained.
    private bool draining;
    private int queuedRows;
    private TaskCompletionSource? full;
    private TaskCompletionSource? idle;
    private bool disposed;

    /// <summary>The batching of one kind of run.</summary>
    /// <param name="run">Runs a batch: (rows, row count) to its output; reads only the first row count rows of rows, and only while it runs.</param>
    /// <param name="part">A caller's part of a batch's output: (output, first row, row count) to that caller's output.</param>
    /// <param name="inputSize">Floats per input row.</param>
    /// <param name="options">Batch size and delay.</param>
    /// <param name="queued">Records each caller's wait in the queue, in stopwatch ticks (0 for one that ran at once).</param>
    public InferenceBatcher(Func<float[], int, TOutput> run, Func<TOutput, int, int, TOutput> part, int inputSize, BatchingOptions options, Action<long> queued)
    {
        this.run = run;
        this.part = part;
        this.inputSize = inputSize;
        maxBatchSize = options.MaxBatchSize;
        maxDelay = TimeSpan.FromTicks(options.MaxDelayMicroseconds * TimeSpan.TicksPerMicrosecond);
        this.queued = queued;
    }

    public int MaxBatchSize => maxBatchSize;

    /// <summary>
    /// Queues <paramref name="count"/> rows (at most <see cref="MaxBatchSize"/>; the first of <paramref name="rows"/>,
    /// which may be longer, as a pooled array is) and returns their outputs once their batch has run; if the stage is
    /// idle and no delay is configured, that batch runs before this method returns.
    /// </summary>
    public Task<TOutput> RunAsync(float[] rows, int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, maxBatchSize);
        if (maxDelay == TimeSpan.Zero && TryClaimIdleStage())
        {
            return RunAlone(rows, count, cancellationToken);
        }

        var pending = new Pending(rows, count, Stopwatch.GetTimestamp(), cancellationToken);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            queue.Enqueue(pending);
            queuedRows += count;
            if (draining)
            {
                if (queuedRows >= maxBatchSize)
                {
                    full?.TrySetResult();
                }

                return pending.Completion.Task;
            }

            draining = true;
            if (maxDelay > TimeSpan.Zero)
            {
                full = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        if (maxDelay > TimeSpan.Zero)
        {
            _ = DrainAfterDelayAsync(full!.Task);
        }
        else
        {
            Drain(pending);
        }

        return pending.Completion.Task;
    }

    /// <summary>Waits for queued batches to finish, then refuses new requests.</summary>
    public void Dispose()
    {
        Task drained;
        lock (gate)
        {
            disposed = true;
            if (!draining)
            {
                return;
            }

            idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            drained = idle.Task;
        }

        drained.Wait();
    }

    private bool TryClaimIdleStage()
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (draining)
            {
                return false;
            }

            draining = true;
            return true;
        }
    }

    /// <summary>The stage was idle: the request runs alone, on the caller's thread, with nothing queued or allocated.</summary>
    private Task<TOutput> RunAlone(float[] rows, int count, CancellationToken cancellationToken)
    {
        try
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return Task.FromCanceled<TOutput>(cancellationToken);
            }

            queued(0);
            return Task.FromResult(run(rows, count));
        }
        catch (Exception e)
        {
            return Task.FromException<TOutput>(e);
        }
        finally
        {
            PassQueueToWorker();
        }
    }

    /// <summary>A caller's own batch is answered: the stage goes idle, or a thread-pool worker takes what queued meanwhile.</summary>
    private void PassQueueToWorker()
    {
        lock (gate)
        {
            if (queue.Count == 0)
            {
                StopDraining();
                return;
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(static batcher => batcher.Drain(own: null), this, preferLocal: false);
    }

    private async Task DrainAfterDelayAsync(Task batchFull)
    {
        await Task.WhenAny(Task.Delay(maxDelay), batchFull).ConfigureAwait(false);
        Drain(own: null);
    }

    /// <summary>
    /// Runs batches off the queue. A caller draining for its own request (<paramref name="own"/>) stops once that is
    /// answered and leaves the rest to a thread-pool worker; a worker drains until the queue is empty.
    /// </summary>
    private void Drain(Pending? own)
    {
        var batch = new List<Pending>();
        while (true)
        {
            int rows;
            lock (gate)
            {
                rows = TakeBatch(batch);
                if (batch.Count == 0)
                {
                    StopDraining();
                    return;
                }
            }

            Execute(batch, rows);
            if (own is not null && own.Completion.Task.IsCompleted)
            {
                PassQueueToWorker();
                return;
            }
        }
    }

    /// <summary>Moves the next batch from the queue into <paramref name="batch"/>, skipping cancelled requests; its row count.</summary>
    private int TakeBatch(List<Pending> batch)
    {
        batch.Clear();
        var rows = 0;
        while (queue.TryPeek(out var next) && rows + next.Count <= maxBatchSize)
        {
            queue.Dequeue();
            queuedRows -= next.Count;
            if (!next.Cancelled)
            {
                batch.Add(next);
                rows += next.Count;
            }
        }

        return rows;
    }

    private void StopDraining()
    {
        draining = false;
        full = null;
        idle?.TrySetResult();
    }

    /// <summary>
    /// Runs one batch and answers its callers. Whatever goes wrong fails this batch's callers (those not yet answered)
    /// and nothing else: the stage goes on serving.
    /// </summary>
    private void Execute(List<Pending> batch, int rows)
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            foreach (var pending in batch)
            {
                queued(started - pending.Enqueued);
            }

            var output = batch.Count == 1 ? run(batch[0].Rows, rows) : RunJoined(batch, rows);
            var first = 0;
            foreach (var pending in batch)
            {
                pending.Succeed(batch.Count == 1 ? output : part(output, first, pending.Count));
                first += pending.Count;
            }
        }
        catch (Exception e)
        {
            foreach (var pending in batch)
            {
                pending.Fail(e);
            }
        }
    }

    /// <summary>Runs several callers' rows as one input, joined in a pooled array that the run reads only during the call.</summary>
    private TOutput RunJoined(List<Pending> batch, int rows)
    {
        var input = ArrayPool<float>.Shared.Rent(rows * inputSize);
        try
        {
            var offset = 0;
            foreach (var pending in batch)
            {
                Array.Copy(pending.Rows, 0, input, offset, pending.Count * inputSize);
                offset += pending.Count * inputSize;
            }

            return run(input, rows);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(input);
        }
    }

    private sealed class Pending
    {
        private readonly CancellationTokenRegistration registration;

        public Pending(float[] rows, int count, long enqueued, CancellationToken cancellationToken)
        {
            Rows = rows;
            Count = count;
            Enqueued = enqueued;

            // The caller stops waiting at once; its rows are dropped if their batch has not started.
            registration = cancellationToken.UnsafeRegister(
                static (state, token) => ((TaskCompletionSource<TOutput>)state!).TrySetCanceled(token), Completion);
        }

        public float[] Rows { get; }

        public int Count { get; }

        public long Enqueued { get; }

        /// <summary>Continuations run on the thread pool, never inside the batch that completes them.</summary>
        public TaskCompletionSource<TOutput> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Cancelled => Completion.Task.IsCanceled;

        public void Succeed(TOutput output)
        {
            registration.Unregister();
            Completion.TrySetResult(output);
        }

        public void Fail(Exception e)
        {
            registration.Unregister();
            Completion.TrySetException(e);
        }
    }
}
