using System.Diagnostics;

namespace Autoencoder.Api.Inference;

/// <summary>A count and the time it took altogether, in nanoseconds.</summary>
public sealed record DurationStatistic(long Count, long Nanoseconds);

/// <summary>
/// What one stage of one model version has done since it was first loaded, as the Open Inference Protocol's statistics
/// extension reports it (Triton's ModelStatistics).
/// </summary>
/// <param name="Name">The stage's name, "{model}-encoder" or "{model}-decoder".</param>
/// <param name="Version">The version, as the protocol writes versions.</param>
/// <param name="LastInference">When the last request through the stage ended, in milliseconds since the epoch; 0 before the first.</param>
/// <param name="InferenceCount">Rows (images or latents) of the requests that succeeded.</param>
/// <param name="ExecutionCount">ONNX Runtime runs; one batched run serves many requests, and a bulk request takes many runs.</param>
/// <param name="Success">Requests that succeeded, and the time each spent in the stage.</param>
/// <param name="Fail">Requests that failed or were cancelled once they had asked the stage to run, and the time each spent in it.</param>
/// <param name="Queue">Requests handed to the stage's batcher, and the time each waited for its batch to start.</param>
/// <param name="ComputeInput">Runs, and the time each took to prepare its input tensor.</param>
/// <param name="ComputeInfer">Runs, and the time ONNX Runtime took to run each.</param>
/// <param name="ComputeOutput">Runs, and the time each took to hand its output back (released its tensors; the run wrote the output in place).</param>
public sealed record ModelVersionStatistics(
    string Name,
    string Version,
    long LastInference,
    long InferenceCount,
    long ExecutionCount,
    DurationStatistic Success,
    DurationStatistic Fail,
    DurationStatistic Queue,
    DurationStatistic ComputeInput,
    DurationStatistic ComputeInfer,
    DurationStatistic ComputeOutput);

/// <summary>
/// The counters of one stage of one model version. <see cref="InferenceStatistics"/> keeps them, so a version loaded
/// again from changed files counts on; every request and run adds to them with a few interlocked additions, and
/// <see cref="Read"/> reads them as they are (each counter exact, the set not one instant's). Durations are kept in
/// <see cref="Stopwatch"/> ticks and turned into nanoseconds when read.
/// </summary>
public sealed class StageStatistics(TimeProvider time)
{
    private readonly Tally success = new();
    private readonly Tally fail = new();
    private readonly Tally queue = new();
    private readonly Tally computeInput = new();
    private readonly Tally computeInfer = new();
    private readonly Tally computeOutput = new();
    private long lastInference;
    private long inferenceCount;
    private long executionCount;

    /// <summary>One ONNX Runtime run: the time it took to prepare its tensors, to run, and to hand the output back.</summary>
    public void Executed(long inputTicks, long inferTicks, long outputTicks)
    {
        Interlocked.Increment(ref executionCount);
        computeInput.Add(inputTicks);
        computeInfer.Add(inferTicks);
        computeOutput.Add(outputTicks);
    }

    /// <summary>A request's wait in the batcher before its batch started.</summary>
    public void Queued(long ticks) => queue.Add(ticks);

    /// <summary>A request through the stage succeeded, with <paramref name="rows"/> rows, having spent <paramref name="ticks"/> in it.</summary>
    public void Succeeded(long rows, long ticks)
    {
        Interlocked.Add(ref inferenceCount, rows);
        success.Add(ticks);
        Volatile.Write(ref lastInference, time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    /// <summary>A request failed or was cancelled after asking the stage to run, having spent <paramref name="ticks"/> in it.</summary>
    public void Failed(long ticks)
    {
        fail.Add(ticks);
        Volatile.Write(ref lastInference, time.GetUtcNow().ToUnixTimeMilliseconds());
    }

    /// <summary>The counters now, under the stage's protocol name and version.</summary>
    public ModelVersionStatistics Read(string name, string version) => new(
        name,
        version,
        Volatile.Read(ref lastInference),
        Interlocked.Read(ref inferenceCount),
        Interlocked.Read(ref executionCount),
        success.Read(),
        fail.Read(),
        queue.Read(),
        computeInput.Read(),
        computeInfer.Read(),
        computeOutput.Read());

    /// <summary>A count and its total time.</summary>
    private sealed class Tally
    {
        private long count;
        private long ticks;

        public void Add(long elapsed)
        {
            Interlocked.Increment(ref count);
            Interlocked.Add(ref ticks, elapsed);
        }

        // In 128 bits: a long of ticks times 10^9 overflows after 9 s of them at a nanosecond a tick.
        public DurationStatistic Read() =>
            new(Interlocked.Read(ref count), (long)((Int128)Interlocked.Read(ref ticks) * 1_000_000_000 / Stopwatch.Frequency));
    }
}
