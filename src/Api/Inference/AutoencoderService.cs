using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Autoencoder.Api.Errors;
using Autoencoder.Core;

namespace Autoencoder.Api.Inference;

/// <summary>A reconstruction: the model's input, its latent and the decoded image.</summary>
public sealed record Reconstruction(float[] Input, float[] Latent, float[] Image)
{
    /// <summary>Mean squared error per pixel between input and reconstruction; computed when asked (JSON answers only).</summary>
    public double MeanSquaredError => PixelValues.MeanSquaredError(Input, Image);
}

/// <summary>
/// One window of a streamed reconstruction: the first <paramref name="Rows"/> images of <paramref name="Input"/> (an
/// array the source may reuse for its next window), their codes ([rows, latent]) and their reconstructions.
/// </summary>
public readonly record struct ReconstructedWindow(float[] Input, int Rows, float[] Latents, float[] Output);

/// <summary>Blends of two images' latents, (1 - w) first + w second, and their decodings.</summary>
public sealed record Interpolation(float[] Weights, float[][] Latents, float[][] Frames);

/// <summary>
/// What the API does with a model, in model terms: [0,1] images and latents, batched where it helps. Every request
/// through a stage is counted in its statistics (<see cref="StageRequest"/>), whichever route it came by.
/// </summary>
public sealed class AutoencoderService(ModelRegistry registry)
{
    public const int MinSteps = 1;
    public const int MaxSteps = 64;

    /// <summary>Rows per ONNX Runtime run of a bulk request: large enough that per-run overhead vanishes, small enough to stream.</summary>
    public const int ChunkSize = 256;

    /// <summary>Rows of a streamed bulk request encoded at once, in parallel chunks: 4 x 256 (larger windows were no faster).</summary>
    public const int WindowRows = 4 * ChunkSize;

    /// <summary>The named model, or the default one; <see cref="InputFault.NotFound"/> if there is no such model.</summary>
    public OnnxAutoencoder Model(string? name, long? version = null) => registry.Get(name, version);

    /// <summary>The named model, or the denoiser of the default model's data set (<see cref="ModelRegistry.GetDenoiser"/>).</summary>
    public OnnxAutoencoder Denoiser(string? name, long? version = null) => registry.GetDenoiser(name, version);

    /// <summary>As <see cref="Model"/>, with a lease that keeps the version open until it is disposed.</summary>
    public ModelLease Lease(string? name, long? version = null) => registry.Lease(name, version);

    /// <summary>As <see cref="Denoiser"/>, with a lease.</summary>
    public ModelLease LeaseDenoiser(string? name, long? version = null) => registry.LeaseDenoiser(name, version);

    public Task<float[]> EncodeAsync(OnnxAutoencoder model, float[] image, CancellationToken cancellationToken) =>
        StageRequest.RunOnceAsync(model, Stage.Encoder, image, 1, cancellationToken);

    public Task<float[]> DecodeAsync(OnnxAutoencoder model, float[] latent, CancellationToken cancellationToken)
    {
        RequireLatents(model, latent, latent.Length);
        return StageRequest.RunOnceAsync(model, Stage.Decoder, latent, 1, cancellationToken);
    }

    /// <summary>
    /// The one check of latents a client sends: rows of <paramref name="columns"/> numbers, the model's latent size, each
    /// finite. Every value of every latent request passes through here: the usual case, all finite, is two vectorised passes.
    /// </summary>
    public static void RequireLatents(OnnxAutoencoder model, ReadOnlySpan<float> latents, int columns)
    {
        if (columns != model.LatentSize)
        {
            throw ClientInputException.Invalid($"'latent' must have {model.LatentSize} numbers for model '{model.Name}', not {columns}.");
        }

        var bad = IndexOutside(latents, float.MinValue, float.MaxValue);
        if (bad >= 0)
        {
            throw ClientInputException.Invalid($"Latents must be finite numbers; value {bad % columns} (latent {bad / columns}) is {latents[bad]}.");
        }
    }

    /// <summary>The one check of images a client sends as tensors: every value within the model's contract's pixel range.</summary>
    public static void RequirePixels(OnnxAutoencoder model, ReadOnlySpan<float> images)
    {
        var contract = model.Manifest.Contract;
        var bad = IndexOutside(images, contract.PixelMin, contract.PixelMax);
        if (bad >= 0)
        {
            throw ClientInputException.Invalid(
                $"Pixels must be in [{contract.PixelMin}, {contract.PixelMax}] for model '{model.Name}'; value {bad} (image {bad / model.PixelCount}) is {images[bad]}.");
        }
    }

    /// <summary>
    /// [count, C, H, W] images (the first <paramref name="count"/> of <paramref name="images"/>), each value within the
    /// contract's pixel range, to [count, latent] latents. A request that fits a batch is batched with concurrent
    /// requests; a larger one runs in chunks of <see cref="ChunkSize"/>.
    /// </summary>
    public async Task<float[]> EncodeManyAsync(OnnxAutoencoder model, float[] images, int count, CancellationToken cancellationToken)
    {
        RequirePixels(model, images.AsSpan(0, count * model.PixelCount));
        return count <= ChunkSize
            ? await StageRequest.RunOnceAsync(model, Stage.Encoder, images, count, cancellationToken)
            : RunInChunks(model, Stage.Encoder, images, count, cancellationToken);
    }

    /// <summary>
    /// [count, latent] finite latents (the first <paramref name="count"/> of <paramref name="latents"/>) to [count, C, H, W]
    /// images; batched or chunked as <see cref="EncodeManyAsync"/>.
    /// </summary>
    public async Task<float[]> DecodeManyAsync(OnnxAutoencoder model, float[] latents, int count, CancellationToken cancellationToken)
    {
        RequireLatents(model, latents.AsSpan(0, count * model.LatentSize), model.LatentSize);
        return count <= ChunkSize
            ? await StageRequest.RunOnceAsync(model, Stage.Decoder, latents, count, cancellationToken)
            : RunInChunks(model, Stage.Decoder, latents, count, cancellationToken);
    }

    /// <summary>
    /// Latents for windows of images as they arrive, in order: each window's chunks are encoded in parallel (a session's
    /// Run is thread-safe, each run uses one thread), while the source reads the next window.
    /// </summary>
    public async IAsyncEnumerable<float[]> EncodeWindowsAsync(
        OnnxAutoencoder model, IAsyncEnumerable<(float[] Input, int Rows)> windows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var encoding = new StageRequest(model, Stage.Encoder);
        await foreach (var (input, rows) in windows.WithCancellation(cancellationToken))
        {
            yield return RunWindow(input, rows, encoding, cancellationToken);
        }

        encoding.Succeed();
    }

    /// <summary>
    /// Images of latents that come in pieces (row-major [rows, latent], each checked as a client's latents are), decoded
    /// a piece at a time and handed on in order: an answer streamed from them never holds more than two pieces' images,
    /// the one being written and the next, decoded meanwhile.
    /// </summary>
    public IAsyncEnumerable<float[]> DecodePiecesAsync(OnnxAutoencoder model, IEnumerable<float[]> latents, CancellationToken cancellationToken) =>
        RunPiecesAsync(
            model,
            Stage.Decoder,
            latents,
            (decoding, piece) =>
            {
                RequireLatents(model, piece, model.LatentSize);
                return RunWindow(piece, piece.Length / model.LatentSize, decoding, cancellationToken);
            },
            cancellationToken);

    /// <summary>
    /// Latents of images that come in pieces (row-major [rows, C, H, W], checked by the caller), encoded a piece at a
    /// time and handed on in order, as <see cref="DecodePiecesAsync"/> decodes.
    /// </summary>
    public IAsyncEnumerable<float[]> EncodePiecesAsync(OnnxAutoencoder model, IEnumerable<float[]> images, CancellationToken cancellationToken) =>
        RunPiecesAsync(
            model,
            Stage.Encoder,
            images,
            (encoding, piece) => RunWindow(piece, piece.Length / model.PixelCount, encoding, cancellationToken),
            cancellationToken);

    /// <summary>The first <paramref name="count"/> rows of <paramref name="values"/> copied out <see cref="WindowRows"/> rows at a time.</summary>
    public static IEnumerable<float[]> Windows(float[] values, int count, int rowSize)
    {
        for (var start = 0; start < count; start += WindowRows)
        {
            yield return values[(start * rowSize)..(Math.Min(count, start + WindowRows) * rowSize)];
        }
    }

    /// <summary>
    /// Each piece through <paramref name="run"/> on the thread pool, the next one started before this one is handed
    /// on; all of them one request through the stage.
    /// </summary>
    private static async IAsyncEnumerable<float[]> RunPiecesAsync(
        OnnxAutoencoder model, Stage stage, IEnumerable<float[]> pieces, Func<StageRequest, float[], float[]> run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new StageRequest(model, stage);
        using var source = pieces.GetEnumerator();
        Task<float[]>? Next()
        {
            if (!source.MoveNext())
            {
                return null;
            }

            var piece = source.Current;
            return Task.Run(() => run(request, piece), cancellationToken);
        }

        var next = Next();
        while (next is not null)
        {
            var current = await next;
            next = Next();
            yield return current;
        }

        request.Succeed();
    }

    /// <summary>
    /// Each window's images (the first rows of an array the source may reuse for its next window) with their codes and
    /// reconstructions, in order: the window is encoded, then its codes decoded, each in parallel chunks, so the codes
    /// are kept for a caller that needs them (a novelty score's prior term) at the cost of one window's latents.
    /// </summary>
    public async IAsyncEnumerable<ReconstructedWindow> ReconstructWindowsAsync(
        OnnxAutoencoder model, IAsyncEnumerable<(float[] Input, int Rows)> windows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var encoding = new StageRequest(model, Stage.Encoder);
        using var decoding = new StageRequest(model, Stage.Decoder);
        await foreach (var (input, rows) in windows.WithCancellation(cancellationToken))
        {
            var (latents, output) = await Task.Run(
                () =>
                {
                    var codes = RunWindow(input, rows, encoding, cancellationToken);
                    return (codes, RunWindow(codes, rows, decoding, cancellationToken));
                },
                cancellationToken);
            yield return new ReconstructedWindow(input, rows, latents, output);
        }

        encoding.Succeed();
        decoding.Succeed();
    }

    /// <summary>The first <paramref name="rows"/> rows of <paramref name="input"/> through a request's stage, <see cref="ChunkSize"/> rows a run, the runs in parallel.</summary>
    private static float[] RunWindow(float[] input, int rows, StageRequest request, CancellationToken cancellationToken) =>
        RunWindow(input, rows, request.InputSize, request.OutputSize, (chunk, size) => request.Run(chunk, size, cancellationToken), cancellationToken);

    /// <summary>The first <paramref name="rows"/> rows of <paramref name="input"/> through <paramref name="run"/>, <see cref="ChunkSize"/> rows a run, the runs in parallel.</summary>
    private static float[] RunWindow(float[] input, int rows, int inputSize, int outputSize, Func<Memory<float>, int, float[]> run, CancellationToken cancellationToken)
    {
        var output = new float[rows * outputSize];
        var chunks = (rows + ChunkSize - 1) / ChunkSize;
        Parallel.For(0, chunks, new ParallelOptions { CancellationToken = cancellationToken }, chunk =>
        {
            var start = chunk * ChunkSize;
            var chunkRows = Math.Min(ChunkSize, rows - start);
            run(input.AsMemory(start * inputSize, chunkRows * inputSize), chunkRows).CopyTo(output, start * outputSize);
        });
        return output;
    }

    /// <summary>
    /// The index of the first value outside [<paramref name="min"/>, <paramref name="max"/>] (NaN included), or -1.
    /// Every value of every tensor request passes through here, so the usual case, all within, is two vectorised passes.
    /// </summary>
    private static int IndexOutside(ReadOnlySpan<float> values, float min, float max)
    {
        if (values.IsEmpty || (TensorPrimitives.Min(values) >= min && TensorPrimitives.Max(values) <= max))
        {
            return -1;
        }

        for (var i = 0; ; i++)
        {
            if (!(values[i] >= min && values[i] <= max))
            {
                return i;
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="count"/> rows through a stage <see cref="ChunkSize"/> rows at a time, so no run needs memory
    /// for all of them; no request batching (the runs are batches already).
    /// </summary>
    private static float[] RunInChunks(OnnxAutoencoder model, Stage stage, float[] input, int count, CancellationToken cancellationToken)
    {
        using var request = new StageRequest(model, stage);
        var (inputSize, outputSize) = (request.InputSize, request.OutputSize);
        var output = new float[(long)count * outputSize];
        for (var start = 0; start < count; start += ChunkSize)
        {
            var rows = Math.Min(ChunkSize, count - start);
            request.Run(input.AsMemory(start * inputSize, rows * inputSize), rows, cancellationToken).CopyTo(output, (long)start * outputSize);
        }

        request.Succeed();
        return output;
    }

    public async Task<Reconstruction> ReconstructAsync(OnnxAutoencoder model, float[] image, CancellationToken cancellationToken)
    {
        // One hand-off through both stages; each stage counts the request as it would have alone: the encoder from the
        // asking until its latent, the decoder from then until the reconstruction is back. A failure counts in the encoder.
        using var encoding = new StageRequest(model, Stage.Encoder);
        using var decoding = new StageRequest(model, Stage.Decoder);
        var asked = Stopwatch.GetTimestamp();
        ReconstructedRows rows;
        try
        {
            rows = await model.ReconstructAsync(image, 1, cancellationToken);
        }
        catch
        {
            encoding.Counted(0, Stopwatch.GetTimestamp() - asked);
            throw;
        }

        encoding.Counted(1, rows.Encoded - asked);
        decoding.Counted(1, Stopwatch.GetTimestamp() - rows.Encoded);
        encoding.Succeed();
        decoding.Succeed();
        return new Reconstruction(image, rows.Latents, rows.Images);
    }

    /// <summary>Many images' reconstructions (row-major [count, pixels] both), in runs of <see cref="ChunkSize"/> on parallel threads; no request batching (the runs are batches already).</summary>
    public static float[] ReconstructMany(OnnxAutoencoder model, float[] images, int count, CancellationToken cancellationToken)
    {
        using var encoding = new StageRequest(model, Stage.Encoder);
        using var decoding = new StageRequest(model, Stage.Decoder);
        var output = ReconstructMany(encoding, decoding, images, count, cancellationToken);
        encoding.Succeed();
        decoding.Succeed();
        return output;
    }

    /// <summary>As <see cref="ReconstructMany(OnnxAutoencoder, float[], int, CancellationToken)"/>, as part of a request through both stages.</summary>
    private static float[] ReconstructMany(StageRequest encoding, StageRequest decoding, float[] images, int count, CancellationToken cancellationToken) =>
        RunWindow(images, count, encoding.InputSize, decoding.OutputSize, (chunk, size) => decoding.Run(encoding.Run(chunk, size, cancellationToken), size, cancellationToken), cancellationToken);

    /// <summary>
    /// Weights i / (steps + 1) for i = 1..steps: evenly spaced, strictly between 0 and 1, symmetric. For steps = 6 that
    /// is 1/7 ... 6/7, the even equivalent of the article's 0.05, 0.20, ..., 0.80.
    /// </summary>
    public static float[] InterpolationWeights(int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, MinSteps);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(steps, MaxSteps);
        return [.. Enumerable.Range(1, steps).Select(i => (float)i / (steps + 1))];
    }

    public async Task<Interpolation> InterpolateAsync(OnnxAutoencoder model, float[] first, float[] second, int steps, CancellationToken cancellationToken)
    {
        var weights = InterpolationWeights(steps);
        var pair = await StageRequest.RunOnceAsync(model, Stage.Encoder, [.. first, .. second], 2, cancellationToken);
        var size = model.LatentSize;
        var firstLatent = pair[..size];
        var secondLatent = pair[size..];

        var blended = new float[steps * size];
        for (var step = 0; step < steps; step++)
        {
            for (var i = 0; i < size; i++)
            {
                blended[(step * size) + i] = ((1 - weights[step]) * firstLatent[i]) + (weights[step] * secondLatent[i]);
            }
        }

        var decoded = await StageRequest.RunOnceAsync(model, Stage.Decoder, blended, steps, cancellationToken);
        var pixels = model.PixelCount;
        return new Interpolation(
            weights,
            [.. Enumerable.Range(0, steps).Select(step => blended[(step * size)..((step + 1) * size)])],
            [.. Enumerable.Range(0, steps).Select(step => decoded[(step * pixels)..((step + 1) * pixels)])]);
    }
}
