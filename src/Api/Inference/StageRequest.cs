using System.Diagnostics;

namespace Autoencoder.Api.Inference;

/// <summary>
/// One request's use of one stage of a model, as the stage's statistics count it. Each call the request makes into the
/// stage (one run, a batched one, or a chunk or window of a bulk request) is timed from the asking until its output is
/// back, queue included; chunks that run in parallel each add their own time. Disposed, the request counts once: as a
/// success with the rows of its calls if <see cref="Succeed"/> was called, else as a failure (an error or cancellation
/// in the stage, or a streamed answer given up). A request that never called the stage is not counted.
/// </summary>
public sealed class StageRequest(OnnxAutoencoder model, Stage stage) : IDisposable
{
    private readonly StageStatistics statistics = model.StatisticsOf(stage);
    private long calls;
    private long rows;
    private long ticks;
    private int succeeded;
    private int ended;

    /// <summary>Values per input row of the stage.</summary>
    public int InputSize => stage == Stage.Encoder ? model.PixelCount : model.LatentSize;

    /// <summary>Values per output row of the stage.</summary>
    public int OutputSize => stage == Stage.Encoder ? model.LatentSize : model.PixelCount;

    /// <summary>A request of one call: <see cref="RunAsync"/>, counted as it ends.</summary>
    public static async Task<float[]> RunOnceAsync(OnnxAutoencoder model, Stage stage, float[] input, int count, CancellationToken cancellationToken)
    {
        using var request = new StageRequest(model, stage);
        var output = await request.RunAsync(input, count, cancellationToken);
        request.Succeed();
        return output;
    }

    /// <summary>The first <paramref name="count"/> rows through the stage at once, on the calling thread (<see cref="OnnxAutoencoder.Encode"/>, <see cref="OnnxAutoencoder.Decode"/>).</summary>
    public float[] Run(Memory<float> input, int count, CancellationToken cancellationToken)
    {
        var started = Start();
        try
        {
            var output = stage == Stage.Encoder ? model.Encode(input, count, cancellationToken) : model.Decode(input, count, cancellationToken);
            Interlocked.Add(ref rows, count);
            return output;
        }
        finally
        {
            Interlocked.Add(ref ticks, Stopwatch.GetTimestamp() - started);
        }
    }

    /// <summary>The first <paramref name="count"/> rows through the stage, batched with other requests (<see cref="OnnxAutoencoder.EncodeAsync"/>, <see cref="OnnxAutoencoder.DecodeAsync"/>).</summary>
    public async Task<float[]> RunAsync(float[] input, int count, CancellationToken cancellationToken)
    {
        var started = Start();
        try
        {
            var output = await (stage == Stage.Encoder ? model.EncodeAsync(input, count, cancellationToken) : model.DecodeAsync(input, count, cancellationToken));
            Interlocked.Add(ref rows, count);
            return output;
        }
        finally
        {
            Interlocked.Add(ref ticks, Stopwatch.GetTimestamp() - started);
        }
    }

    /// <summary>A call timed by the caller (<paramref name="elapsed"/> stopwatch ticks) that gave <paramref name="count"/> rows (0 if it failed).</summary>
    public void Counted(int count, long elapsed)
    {
        Interlocked.Increment(ref calls);
        Interlocked.Add(ref rows, count);
        Interlocked.Add(ref ticks, elapsed);
    }

    /// <summary>Every call the request needed has given its output: it counts as a success.</summary>
    public void Succeed() => Volatile.Write(ref succeeded, 1);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref ended, 1) == 1 || Interlocked.Read(ref calls) == 0)
        {
            return;
        }

        if (Volatile.Read(ref succeeded) == 1)
        {
            statistics.Succeeded(Interlocked.Read(ref rows), Interlocked.Read(ref ticks));
        }
        else
        {
            statistics.Failed(Interlocked.Read(ref ticks));
        }
    }

    private long Start()
    {
        Interlocked.Increment(ref calls);
        return Stopwatch.GetTimestamp();
    }
}
