using System.Diagnostics;
using System.Threading.Channels;
using Autoencoder.Api.Metrics;
using Prometheus;

namespace Autoencoder.Api.Inference;

/// <summary>
/// Coalesces concurrent requests to one model stage (encoder or decoder) into batched runs. Callers queue their
/// rows; one loop takes what is queued (waiting at most the configured delay after the first), runs it as one
/// batch and hands each caller back its own rows, in order. A caller that gives up before its batch starts is
/// skipped; one that gives up later leaves the batch to finish for the others and gets nothing.
/// </summary>
public sealed class InferenceBatcher : IAsyncDisposable
{
    private readonly Channel<Pending> queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<float[], int, float[]> run;
    private readonly int inputSize;
    private readonly int outputSize;
    private readonly int maxBatchSize;
    private readonly TimeSpan maxDelay;
    private readonly Histogram.Child queueWait;
    private readonly Task loop;

    /// <summary>Starts the batch loop of one model stage.</summary>
    /// <param name="run">Runs a batch: (rows, row count) to outputs, <paramref name="outputSize"/> per row.</param>
    /// <param name="inputSize">Floats per input row.</param>
    /// <param name="outputSize">Floats per output row.</param>
    /// <param name="options">Batch size and delay.</param>
    /// <param name="metrics">Where queue waits are recorded.</param>
    /// <param name="model">The model's name, for the metrics.</param>
    /// <param name="stage">"encoder" or "decoder", for the metrics.</param>
    public InferenceBatcher(Func<float[], int, float[]> run, int inputSize, int outputSize, BatchingOptions options, ApiMetrics metrics, string model, string stage)
    {
        this.run = run;
        this.inputSize = inputSize;
        this.outputSize = outputSize;
        maxBatchSize = options.MaxBatchSize;
        maxDelay = TimeSpan.FromTicks(options.MaxDelayMicroseconds * TimeSpan.TicksPerMicrosecond);
        queueWait = metrics.QueueWait.WithLabels(model, stage);
        loop = Task.Run(LoopAsync);
    }

    public int MaxBatchSize => maxBatchSize;

    /// <summary>Queues <paramref name="count"/> rows (at most <see cref="MaxBatchSize"/>) and returns their outputs once their batch has run.</summary>
    public Task<float[]> RunAsync(float[] rows, int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, maxBatchSize);
        var pending = new Pending(rows, count, Stopwatch.GetTimestamp(), cancellationToken);
        ObjectDisposedException.ThrowIf(!queue.Writer.TryWrite(pending), this);

        return pending.Completion.Task;
    }

    public async ValueTask DisposeAsync()
    {
        queue.Writer.TryComplete();
        await loop;
    }

    private async Task LoopAsync()
    {
        var reader = queue.Reader;
        Pending? carried = null;
        var batch = new List<Pending>(maxBatchSize);
        while (carried is not null || await reader.WaitToReadAsync())
        {
            batch.Clear();
            var rows = 0;
            var deadline = 0L;
            while (rows < maxBatchSize)
            {
                if (carried is null && !reader.TryRead(out carried))
                {
                    if (batch.Count == 0 || !await WaitForMoreAsync(reader, deadline))
                    {
                        break;
                    }

                    continue;
                }

                var next = carried;
                if (next.Cancelled)
                {
                    carried = null;
                    continue;
                }

                if (rows + next.Count > maxBatchSize)
                {
                    break; // it opens the next batch
                }

                carried = null;
                if (batch.Count == 0)
                {
                    deadline = next.Enqueued + (long)(maxDelay.TotalSeconds * Stopwatch.Frequency);
                }

                batch.Add(next);
                rows += next.Count;
            }

            if (batch.Count > 0)
            {
                Execute(batch, rows);
            }
        }
    }

    /// <summary>Waits until more requests are queued or the batch's deadline passes; false if it passed.</summary>
    private static async ValueTask<bool> WaitForMoreAsync(ChannelReader<Pending> reader, long deadline)
    {
        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
        if (remaining <= TimeSpan.Zero)
        {
            return false;
        }

        using var timeout = new CancellationTokenSource(remaining);
        try
        {
            return await reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Execute(List<Pending> batch, int rows)
    {
        var started = Stopwatch.GetTimestamp();
        var input = batch.Count == 1 ? batch[0].Rows : new float[rows * inputSize];
        if (batch.Count > 1)
        {
            var offset = 0;
            foreach (var pending in batch)
            {
                Array.Copy(pending.Rows, 0, input, offset, pending.Count * inputSize);
                offset += pending.Count * inputSize;
            }
        }

        foreach (var pending in batch)
        {
            queueWait.Observe(Stopwatch.GetElapsedTime(pending.Enqueued, started).TotalSeconds);
        }

        float[] output;
        try
        {
            output = run(input, rows);
        }
        catch (Exception e)
        {
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(e);
            }

            return;
        }

        var position = 0;
        foreach (var pending in batch)
        {
            var length = pending.Count * outputSize;
            pending.Completion.TrySetResult(batch.Count == 1 ? output : output[position..(position + length)]);
            position += length;
        }
    }

    private sealed class Pending
    {
        public Pending(float[] rows, int count, long enqueued, CancellationToken cancellationToken)
        {
            Rows = rows;
            Count = count;
            Enqueued = enqueued;
            if (cancellationToken.CanBeCanceled)
            {
                // The caller stops waiting at once; the loop drops the rows if their batch has not started.
                cancellationToken.Register(() => Completion.TrySetCanceled(cancellationToken));
            }
        }

        public float[] Rows { get; }

        public int Count { get; }

        public long Enqueued { get; }

        public TaskCompletionSource<float[]> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Cancelled => Completion.Task.IsCanceled;
    }
}
