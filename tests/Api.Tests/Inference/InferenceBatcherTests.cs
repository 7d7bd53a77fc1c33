using Autoencoder.Api.Inference;
using Autoencoder.Api.Metrics;

namespace Autoencoder.Api.Tests.Inference;

/// <summary>
/// The batcher, driven by a fake model stage whose runs the test can hold open one by one. A caller that finds the
/// stage idle runs its batch on its own thread, so the tests start such a caller on a thread of its own.
/// </summary>
public sealed class InferenceBatcherTests : IDisposable
{
    private readonly FakeStage stage = new();
    private readonly InferenceBatcher<float[]> batcher;

    public InferenceBatcherTests()
    {
        batcher = InferenceBatcher.ForStage(stage.Run, inputSize: 2, outputSize: 1, new BatchingOptions { MaxBatchSize = 4 }, new ApiMetrics(), "fake", "encoder");
    }

    public void Dispose()
    {
        stage.ReleaseAll();
        batcher.Dispose();
    }

    [Fact]
    public async Task ALoneRequestRunsOnTheCallersThreadBeforeTheCallReturns()
    {
        stage.ReleaseAll();
        var caller = Environment.CurrentManagedThreadId;

        var result = batcher.RunAsync([1, 2], 1, CancellationToken.None);

        Assert.True(result.IsCompletedSuccessfully);
        Assert.Equal(new[] { 3f }, await result);
        Assert.Equal([caller], stage.Threads);
    }

    [Fact]
    public async Task ALoneRequestCancelledBeforeItStartsNeverRuns()
    {
        stage.ReleaseAll();
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => batcher.RunAsync([1, 2], 1, cancel.Token));

        Assert.Empty(stage.BatchRows);
        Assert.Equal(new[] { 7f }, await batcher.RunAsync([3, 4], 1, CancellationToken.None));
    }

    [Fact]
    public async Task RequestsQueuedWhileABatchRunsFormTheNextBatchAndEachGetsItsOwnRows()
    {
        var first = Task.Run(() => batcher.RunAsync([1, 1], 1, CancellationToken.None));
        await stage.Started(1);
        var queued = new[] { batcher.RunAsync([2, 2], 1, CancellationToken.None), batcher.RunAsync([3, 3, 4, 4], 2, CancellationToken.None) };
        Assert.All(queued, task => Assert.False(task.IsCompleted));
        stage.ReleaseAll();

        Assert.Equal(new[] { 2f }, await first);
        Assert.Equal(new[] { 4f }, await queued[0]);
        Assert.Equal(new[] { 6f, 8f }, await queued[1]);
        Assert.Equal([1, 3], stage.BatchRows);
    }

    [Fact]
    public async Task EveryRequestCountsOnceInTheStagesQueueStatisticsWithItsWait()
    {
        var statistics = new StageStatistics(TimeProvider.System);
        using var counted = InferenceBatcher.ForStage(stage.Run, 2, 1, new BatchingOptions { MaxBatchSize = 4 }, new ApiMetrics(), "fake", "encoder", statistics);
        var first = Task.Run(() => counted.RunAsync([1, 1], 1, CancellationToken.None));
        await stage.Started(1);
        var queued = new[] { counted.RunAsync([2, 2], 1, CancellationToken.None), counted.RunAsync([3, 3], 1, CancellationToken.None) };
        stage.ReleaseAll();
        await first;
        await Task.WhenAll(queued);

        // The first found the stage idle and waited for nothing; the two behind it waited for its batch to end.
        var queue = statistics.Read("fake-encoder", "1").Queue;
        Assert.Equal(3, queue.Count);
        Assert.True(queue.Nanoseconds > 0);
        Assert.Equal([1, 2], stage.BatchRows);
    }

    [Fact]
    public async Task TheFirstCallerIsAnsweredWithoutWaitingForTheBatchesQueuedBehindIt()
    {
        var first = Task.Run(() => batcher.RunAsync([1, 1], 1, CancellationToken.None));
        await stage.Started(1);
        var queued = batcher.RunAsync([2, 2], 1, CancellationToken.None);
        stage.Release(1);

        Assert.Equal(new[] { 2f }, await first); // while the second batch is still held open
        await stage.Started(2);
        Assert.False(queued.IsCompleted);
        stage.Release(2);
        Assert.Equal(new[] { 4f }, await queued);
    }

    [Fact]
    public async Task ABatchNeverExceedsTheMaximumAndKeepsArrivalOrder()
    {
        var blocker = Task.Run(() => batcher.RunAsync([0, 0], 1, CancellationToken.None));
        await stage.Started(1);
        var requests = Enumerable.Range(1, 6).Select(i => batcher.RunAsync([i, i, i, i], 2, CancellationToken.None)).ToArray();
        stage.ReleaseAll();
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
        var blocker = Task.Run(() => batcher.RunAsync([0, 0], 1, CancellationToken.None));
        await stage.Started(1);
        using var cancel = new CancellationTokenSource();
        var kept = batcher.RunAsync([5, 5], 1, CancellationToken.None);
        var dropped = batcher.RunAsync([7, 7], 1, cancel.Token);
        var alsoKept = batcher.RunAsync([9, 9], 1, CancellationToken.None);

        await cancel.CancelAsync();
        stage.ReleaseAll();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dropped);
        Assert.Equal(new[] { 10f }, await kept);
        Assert.Equal(new[] { 18f }, await alsoKept);
        await blocker;
        Assert.DoesNotContain(stage.Inputs, input => input.Contains(7f));
    }

    [Fact]
    public async Task ARequestCancelledDuringItsBatchStopsWaitingAndLeavesTheBatchUnharmed()
    {
        var blocker = Task.Run(() => batcher.RunAsync([0, 0], 1, CancellationToken.None));
        await stage.Started(1);
        using var cancel = new CancellationTokenSource();
        var leaving = batcher.RunAsync([3, 3], 1, cancel.Token);
        var staying = batcher.RunAsync([4, 4], 1, CancellationToken.None);
        stage.Release(1);
        await blocker;
        await stage.Started(2); // the batch of both is running

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);
        stage.Release(2);

        Assert.Equal(new[] { 8f }, await staying);
        Assert.Equal([1, 2], stage.BatchRows);
    }

    [Fact]
    public async Task AFailedRunFailsOnlyItsOwnBatch()
    {
        stage.FailOn = 42f;
        stage.ReleaseAll();

        await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.RunAsync([42, 42], 1, CancellationToken.None));
        Assert.Equal(new[] { 2f }, await batcher.RunAsync([1, 1], 1, CancellationToken.None));
    }

    [Fact]
    public async Task ABatchWhoseOutputRunsShortFailsTheCallersLeftWithoutRowsAndTheStageGoesOn()
    {
        var blocker = Task.Run(() => batcher.RunAsync([0, 0], 1, CancellationToken.None));
        await stage.Started(1);
        stage.TruncateOn = 13f;
        var first = batcher.RunAsync([13, 13], 1, CancellationToken.None);
        var second = batcher.RunAsync([1, 1], 1, CancellationToken.None);
        stage.ReleaseAll();
        await blocker;

        Assert.Equal(new[] { 26f }, await first);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => second);
        Assert.Equal(new[] { 4f }, await batcher.RunAsync([2, 2], 1, CancellationToken.None));
    }

    [Fact]
    public async Task WithADelayALoneRequestWaitsForCompanyAndRequestsArrivingMeanwhileShareItsBatch()
    {
        stage.ReleaseAll();
        using var delayed = InferenceBatcher.ForStage(stage.Run, 2, 1, new BatchingOptions { MaxBatchSize = 4, MaxDelayMicroseconds = 200_000 }, new ApiMetrics(), "fake", "encoder");

        var first = delayed.RunAsync([1, 1], 1, CancellationToken.None);
        var second = delayed.RunAsync([2, 2], 1, CancellationToken.None);

        Assert.False(first.IsCompleted);
        Assert.Equal(new[] { 2f }, await first);
        Assert.Equal(new[] { 4f }, await second);
        Assert.Equal([2], stage.BatchRows);
    }

    [Fact]
    public async Task WithADelayAFullBatchRunsWithoutWaitingOutTheDelay()
    {
        stage.ReleaseAll();
        using var delayed = InferenceBatcher.ForStage(stage.Run, 2, 1, new BatchingOptions { MaxBatchSize = 2, MaxDelayMicroseconds = 60_000_000 }, new ApiMetrics(), "fake", "encoder");

        var both = Task.WhenAll(delayed.RunAsync([1, 1], 1, CancellationToken.None), delayed.RunAsync([2, 2], 1, CancellationToken.None));

        Assert.Same(both, await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(30))));
        Assert.Equal([2], stage.BatchRows);
    }

    [Fact]
    public async Task DisposeLetsQueuedBatchesFinishThenRefusesNewRequests()
    {
        var blocker = Task.Run(() => batcher.RunAsync([0, 0], 1, CancellationToken.None));
        await stage.Started(1);
        var queued = batcher.RunAsync([5, 5], 1, CancellationToken.None);

        var disposing = Task.Run(batcher.Dispose);
        await Task.Delay(50);
        Assert.False(disposing.IsCompleted);
        stage.ReleaseAll();
        await disposing;

        Assert.Equal(new[] { 10f }, await queued);
        Assert.Throws<ObjectDisposedException>(() => { _ = batcher.RunAsync([1, 1], 1, CancellationToken.None); });
    }

    /// <summary>Output per row: the sum of its two inputs. Run n waits until the test releases it (or all runs).</summary>
    private sealed class FakeStage
    {
        private readonly TaskCompletionSource all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<(TaskCompletionSource Started, TaskCompletionSource Released)> runs = [];
        private readonly Lock gate = new();

        public List<int> BatchRows { get; } = [];

        public List<float[]> Inputs { get; } = [];

        public List<int> Threads { get; } = [];

        public float? FailOn { get; set; }

        /// <summary>A batch holding this value gets one output row too few.</summary>
        public float? TruncateOn { get; set; }

        public void ReleaseAll() => all.TrySetResult();

        public void Release(int run) => Gates(run).Released.TrySetResult();

        public Task Started(int run) => Gates(run).Started.Task;

        public float[] Run(float[] rows, int count)
        {
            int run;
            lock (gate)
            {
                BatchRows.Add(count);
                Inputs.Add(rows);
                Threads.Add(Environment.CurrentManagedThreadId);
                run = BatchRows.Count;
            }

            var (started, released) = Gates(run);
            started.TrySetResult();
            Task.WaitAny(released.Task, all.Task);
            if (FailOn is { } poison && rows.Contains(poison))
            {
                throw new InvalidOperationException("poisoned batch");
            }

            var rowsOut = TruncateOn is { } cut && rows.Contains(cut) ? count - 1 : count;
            return [.. Enumerable.Range(0, rowsOut).Select(i => rows[2 * i] + rows[(2 * i) + 1])];
        }

        private (TaskCompletionSource Started, TaskCompletionSource Released) Gates(int run)
        {
            lock (gate)
            {
                while (runs.Count < run)
                {
                    runs.Add((new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));
                }

                return runs[run - 1];
            }
        }
    }
}
