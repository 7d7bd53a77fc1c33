using Autoencoder.Api.Inference;
using Autoencoder.Api.Metrics;

namespace Autoencoder.Api.Tests.Inference;

/// <summary>The batch loop, driven by a fake model stage whose runs the test can hold open.</summary>
public sealed class InferenceBatcherTests : IAsyncDisposable
{
    private readonly FakeStage stage = new();
    private readonly InferenceBatcher batcher;

    public InferenceBatcherTests()
    {
        batcher = new InferenceBatcher(stage.Run, inputSize: 2, outputSize: 1, new BatchingOptions { MaxBatchSize = 4 }, new ApiMetrics(), "fake", "encoder");
    }

    public ValueTask DisposeAsync()
    {
        stage.Release();
        return batcher.DisposeAsync();
    }

    [Fact]
    public async Task RequestsQueuedWhileABatchRunsFormTheNextBatchAndEachGetsItsOwnRows()
    {
        var first = batcher.RunAsync([1, 1], 1, CancellationToken.None);
        await stage.Started(1);
        var queued = new[] { batcher.RunAsync([2, 2], 1, CancellationToken.None), batcher.RunAsync([3, 3, 4, 4], 2, CancellationToken.None) };
        stage.Release();

        Assert.Equal(new[] { 2f }, await first);
        Assert.Equal(new[] { 4f }, await queued[0]);
        Assert.Equal(new[] { 6f, 8f }, await queued[1]);
        Assert.Equal([1, 3], stage.BatchRows);
    }

    [Fact]
    public async Task ABatchNeverExceedsTheMaximumAndKeepsArrivalOrder()
    {
        var blocker = batcher.RunAsync([0, 0], 1, CancellationToken.None);
        await stage.Started(1);
        var requests = Enumerable.Range(1, 6).Select(i => batcher.RunAsync([i, i, i, i], 2, CancellationToken.None)).ToArray();
        stage.Release();
        await blocker;

        for (var i = 0; i < requests.Length; i++)
        {
            Assert.Equal(new[] { 2f * (i + 1), 2f * (i + 1) }, await requests[i]);
        }

        Assert.All(stage.BatchRows, rows => Assert.InRange(rows, 1, 4));
        Assert.Equal(13, stage.BatchRows.Sum());
    }

    [Fact]
    public async Task ARequestCancelledBeforeItsBatchStartsIsLeftOutAndTheOthersAreServed()
    {
        var blocker = batcher.RunAsync([0, 0], 1, CancellationToken.None);
        await stage.Started(1);
        using var cancel = new CancellationTokenSource();
        var kept = batcher.RunAsync([5, 5], 1, CancellationToken.None);
        var dropped = batcher.RunAsync([7, 7], 1, cancel.Token);
        var alsoKept = batcher.RunAsync([9, 9], 1, CancellationToken.None);

        await cancel.CancelAsync();
        stage.Release();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dropped);
        Assert.Equal(new[] { 10f }, await kept);
        Assert.Equal(new[] { 18f }, await alsoKept);
        await blocker;
        Assert.DoesNotContain(stage.Inputs, input => input.Contains(7f));
    }

    [Fact]
    public async Task ARequestCancelledDuringItsBatchLeavesTheBatchUnharmed()
    {
        using var cancel = new CancellationTokenSource();
        var leaving = batcher.RunAsync([3, 3], 1, cancel.Token);
        await stage.Started(1);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        var next = batcher.RunAsync([4, 4], 1, CancellationToken.None);
        stage.Release();

        Assert.Equal(new[] { 8f }, await next);
        Assert.Equal([1, 1], stage.BatchRows);
    }

    [Fact]
    public async Task AFailedRunFailsOnlyItsOwnBatch()
    {
        stage.FailOn = 42f;
        stage.Release();

        await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.RunAsync([42, 42], 1, CancellationToken.None));
        Assert.Equal(new[] { 2f }, await batcher.RunAsync([1, 1], 1, CancellationToken.None));
    }

    /// <summary>Output per row: the sum of its two inputs. The first run waits until the test releases it.</summary>
    private sealed class FakeStage
    {
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<TaskCompletionSource> starts = [];
        private readonly Lock gate = new();
        private int runs;

        public List<int> BatchRows { get; } = [];

        public List<float[]> Inputs { get; } = [];

        public float? FailOn { get; set; }

        public void Release() => released.TrySetResult();

        public Task Started(int run)
        {
            lock (gate)
            {
                while (starts.Count < run)
                {
                    starts.Add(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }

                return starts[run - 1].Task;
            }
        }

        public float[] Run(float[] rows, int count)
        {
            lock (gate)
            {
                runs++;
                BatchRows.Add(count);
                Inputs.Add(rows);
            }

            Started(runs).GetType(); // make sure the completion source exists
            lock (gate)
            {
                starts[runs - 1].TrySetResult();
            }

            released.Task.Wait();
            if (FailOn is { } poison && rows.Contains(poison))
            {
                throw new InvalidOperationException("poisoned batch");
            }

            return [.. Enumerable.Range(0, count).Select(i => rows[2 * i] + rows[(2 * i) + 1])];
        }
    }
}
