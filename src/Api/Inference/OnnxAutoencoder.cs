using System.Diagnostics;
using Autoencoder.Api.Images;
using Autoencoder.Api.Metrics;
using Autoencoder.Core;
using Microsoft.ML.OnnxRuntime;
using SessionOptions = Microsoft.ML.OnnxRuntime.SessionOptions;

namespace Autoencoder.Api.Inference;

/// <summary>
/// One served model version: its manifest and an encoder and a decoder session.
/// <see cref="InferenceSession.Run(RunOptions, IReadOnlyCollection{string}, IReadOnlyCollection{OrtValue}, IReadOnlyCollection{string})"/>
/// is thread-safe, so one instance serves all requests. A version replaced or unloaded while requests run on it is
/// <see cref="Retire">retired</see>: requests hold a lease (<see cref="TryAcquire"/>) for as long as they use it, and the
/// sessions are disposed when the last one ends.
/// </summary>
public sealed class OnnxAutoencoder : IDisposable
{
    /// <summary>The run options of every run that nothing cancels: only a run's own options carry its terminate flag.</summary>
    private static readonly RunOptions Uncancellable = new();

    private readonly InferenceSession encoder;
    private readonly InferenceSession decoder;
    private readonly string[] encoderInput;
    private readonly string[] encoderOutput;
    private readonly string[] decoderInput;
    private readonly string[] decoderOutput;
    private readonly long[] imageShape;
    private readonly StageMetrics encoderMetrics;
    private readonly StageMetrics decoderMetrics;
    private readonly StageStatistics encoderStatistics;
    private readonly StageStatistics decoderStatistics;
    private readonly InferenceBatcher<float[]>? encoderBatcher;
    private readonly InferenceBatcher<float[]>? decoderBatcher;
    private readonly InferenceBatcher<ReconstructedRows>? reconstructionBatcher;

    // Requests using this version now, and whether it is retired (1) and disposed (1): see TryAcquire and Retire.
    private int leases;
    private int retired;
    private int disposed;

    private OnnxAutoencoder(
        string name, long version, string directory, ModelManifest manifest, LatentMap? latentMap, InferenceSession encoder, InferenceSession decoder, ExecutionProvider provider, BatchingOptions batching, ApiMetrics metrics, InferenceStatistics statistics)
    {
        Name = name;
        Version = version;
        Directory = directory;
        Manifest = manifest;
        LatentMap = latentMap;
        Sampler = manifest.Prior is { } prior ? new LatentSampler(prior) : null;
        Scorer = NoveltyScorer.For(manifest);
        this.encoder = encoder;
        this.decoder = decoder;
        Provider = provider;
        var contract = manifest.Contract;
        encoderInput = [contract.EncoderInput];
        encoderOutput = [contract.EncoderOutput];
        decoderInput = [contract.DecoderInput];
        decoderOutput = [contract.DecoderOutput];
        imageShape = [manifest.Image.Channels, manifest.Image.Height, manifest.Image.Width];
        encoderMetrics = new StageMetrics(metrics, name, "encoder");
        decoderMetrics = new StageMetrics(metrics, name, "decoder");
        encoderStatistics = statistics.For(name, Stage.Encoder, version);
        decoderStatistics = statistics.For(name, Stage.Decoder, version);
        metrics.ModelInfo.WithLabels(name, provider.Name).Set(1);
        if (batching.Enabled)
        {
            encoderBatcher = InferenceBatcher.ForStage((rows, count) => Encode(rows, count), PixelCount, LatentSize, batching, metrics, name, "encoder", encoderStatistics);
            decoderBatcher = InferenceBatcher.ForStage((rows, count) => Decode(rows, count), LatentSize, PixelCount, batching, metrics, name, "decoder", decoderStatistics);

            // Both stages in one batch: the encoder's queue is the one waited in; the decoder runs straight after it.
            var encoderQueue = InferenceBatcher.QueueOf(metrics, name, "encoder", encoderStatistics);
            var decoderQueue = InferenceBatcher.QueueOf(metrics, name, "decoder", decoderStatistics);
            reconstructionBatcher = new InferenceBatcher<ReconstructedRows>(
                (rows, count) => ReconstructNow(rows, count, CancellationToken.None),
                (output, first, count) => output.Part(first, count, LatentSize, PixelCount),
                PixelCount,
                batching,
                ticks =>
                {
                    encoderQueue(ticks);
                    decoderQueue(0);
                });
        }
    }

    public string Name { get; }

    /// <summary>Which version of the model this is: its version folder's number, 1 for a model folder without versions.</summary>
    public long Version { get; }

    public string Directory { get; }

    /// <summary>The fingerprint of the files it was loaded from (see <see cref="ModelFiles.Inspect"/>).</summary>
    public string Fingerprint { get; private init; } = "";

    public ModelManifest Manifest { get; }

    /// <summary>The test images' latents in 2-D (latent-map.json), if the model folder has one.</summary>
    public LatentMap? LatentMap { get; }

    /// <summary>The novelty score model.json's scorer describes; null for a model without one, scored by its reconstruction error alone.</summary>
    public NoveltyScorer? Scorer { get; }

    /// <summary>Draws codes from the model's latent prior (model.json's prior, factored once); null for a model without one.</summary>
    public LatentSampler? Sampler { get; }

    public ExecutionProvider Provider { get; }

    public int LatentSize => Manifest.LatentSize;

    public int PixelCount => Manifest.Image.PixelCount;

    /// <summary>ONNX Runtime runs so far, both stages together (each batch is one run).</summary>
    public long BatchedRuns => encoderMetrics.Runs + decoderMetrics.Runs;

    /// <summary>Loads and checks a model folder; the sessions use the selector's provider, or CPU if CUDA fails in auto mode.</summary>
    public static OnnxAutoencoder Load(
        string name, string directory, ExecutionProviderSelector selector, DeviceKind device, BatchingOptions batching, ApiMetrics metrics, InferenceStatistics statistics, ILogger logger, long version = 1) =>
        Load(name, ModelFiles.Read(directory), selector, device, batching, metrics, statistics, logger, version);

    /// <summary>Loads and checks a model from its files as they were read (see <see cref="ModelFiles.Read"/>).</summary>
    public static OnnxAutoencoder Load(
        string name, ModelFiles files, ExecutionProviderSelector selector, DeviceKind device, BatchingOptions batching, ApiMetrics metrics, InferenceStatistics statistics, ILogger logger, long version = 1)
    {
        ModelManifest manifest;
        try
        {
            manifest = ModelManifest.Parse(files.Manifest, files.PathOf(ModelManifest.FileName));
        }
        catch (ModelManifestException e)
        {
            throw new ModelLoadException(e.FilePath, e.Problem);
        }

        if (ImageLayout.Problem(manifest) is { } unservable)
        {
            throw new ModelLoadException(files.PathOf(ModelManifest.FileName), unservable);
        }

        var latentMap = LoadLatentMap(files, manifest);
        var provider = selector.Provider;
        var encoderPath = files.PathOf(ModelManifest.EncoderFileName);
        var decoderPath = files.PathOf(ModelManifest.DecoderFileName);
        var encoder = OpenSession(encoderPath, files.Encoder, selector, device, ref provider, logger);
        try
        {
            var decoder = OpenSession(decoderPath, files.Decoder, selector, device, ref provider, logger);
            var model = new OnnxAutoencoder(name, version, files.Directory, manifest, latentMap, encoder, decoder, provider, batching, metrics, statistics)
            {
                Fingerprint = files.Fingerprint,
            };
            try
            {
                model.CheckSignatures(encoderPath, decoderPath);
                model.CheckLatentMapExamples(files);
                return model;
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// [count, C, H, W] images in [0,1] (the first <paramref name="count"/> of <paramref name="images"/>) to [count, latent]
    /// latents, run at once on the calling thread.
    /// </summary>
    public float[] Encode(Memory<float> images, int count, CancellationToken cancellationToken = default) =>
        Run(encoder, encoderInput, encoderOutput, images[..(count * PixelCount)], [count, .. imageShape], [count, LatentSize], encoderMetrics, encoderStatistics, cancellationToken);

    /// <summary>
    /// [count, latent] latents (the first <paramref name="count"/> of <paramref name="latents"/>) to [count, C, H, W]
    /// images in [0,1], run at once on the calling thread.
    /// </summary>
    public float[] Decode(Memory<float> latents, int count, CancellationToken cancellationToken = default) =>
        Run(decoder, decoderInput, decoderOutput, latents[..(count * LatentSize)], [count, LatentSize], [count, .. imageShape], decoderMetrics, decoderStatistics, cancellationToken);

    /// <summary>
    /// Runs both stages once on a blank image, so the first request does not pay for lazy initialisation. Not counted
    /// in the stages' statistics: no client asked for it, and a version loaded again must not count its warm-up.
    /// </summary>
    public void Warm()
    {
        var latent = Run(encoder, encoderInput, encoderOutput, new float[PixelCount], [1, .. imageShape], [1, LatentSize], encoderMetrics, statistics: null, CancellationToken.None);
        Run(decoder, decoderInput, decoderOutput, latent, [1, LatentSize], [1, .. imageShape], decoderMetrics, statistics: null, CancellationToken.None);
    }

    /// <summary>The statistics of one stage of this version (kept by <see cref="InferenceStatistics"/>, shared with any copy loaded again).</summary>
    public StageStatistics StatisticsOf(Stage stage) => stage == Stage.Encoder ? encoderStatistics : decoderStatistics;

    /// <summary>
    /// As <see cref="Encode"/>, batched with concurrent requests when batching is on and the request is less than a
    /// batch. A whole batch runs at once on the calling thread: nothing could join it, and queueing it would only add
    /// a hand-off and wait behind the stage's other batches.
    /// </summary>
    public Task<float[]> EncodeAsync(float[] images, int count, CancellationToken cancellationToken) =>
        encoderBatcher is { } batcher && count < batcher.MaxBatchSize
            ? batcher.RunAsync(images, count, cancellationToken)
            : Task.FromResult(Encode(images, count, cancellationToken));

    /// <summary>As <see cref="Decode"/>, batched as <see cref="EncodeAsync"/> is.</summary>
    public Task<float[]> DecodeAsync(float[] latents, int count, CancellationToken cancellationToken) =>
        decoderBatcher is { } batcher && count < batcher.MaxBatchSize
            ? batcher.RunAsync(latents, count, cancellationToken)
            : Task.FromResult(Decode(latents, count, cancellationToken));

    /// <summary>
    /// [count, C, H, W] images through the encoder and then the decoder, on the calling thread: their latents and
    /// reconstructions, and when the encoder was done.
    /// </summary>
    public ReconstructedRows ReconstructNow(Memory<float> images, int count, CancellationToken cancellationToken = default)
    {
        var latents = Encode(images, count, cancellationToken);
        var encoded = Stopwatch.GetTimestamp();
        return new ReconstructedRows(latents, Decode(latents, count, cancellationToken), encoded);
    }

    /// <summary>
    /// As <see cref="ReconstructNow"/>, batched as <see cref="EncodeAsync"/> is, both stages in one batch: a request
    /// waits in one queue and is handed back once, not once a stage.
    /// </summary>
    public Task<ReconstructedRows> ReconstructAsync(float[] images, int count, CancellationToken cancellationToken) =>
        reconstructionBatcher is { } batcher && count < batcher.MaxBatchSize
            ? batcher.RunAsync(images, count, cancellationToken)
            : Task.FromResult(ReconstructNow(images, count, cancellationToken));

    /// <summary>Whether its sessions are closed: it was retired and its last request has ended (or the service stopped).</summary>
    public bool IsDisposed => Volatile.Read(ref disposed) == 1;

    /// <summary>
    /// Takes a lease on this version for one request, or false if it is retired (a newer copy serves instead). Every
    /// lease taken is given back with <see cref="Release"/>.
    /// </summary>
    public bool TryAcquire()
    {
        Interlocked.Increment(ref leases);
        if (Volatile.Read(ref retired) == 0)
        {
            return true;
        }

        Release();
        return false;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref leases) == 0 && Volatile.Read(ref retired) == 1)
        {
            Dispose();
        }
    }

    /// <summary>
    /// No new leases; the sessions are disposed now if no request holds one, else when the last is given back. Call
    /// once no request can find this version any more.
    /// </summary>
    public void Retire()
    {
        // Exchange is a full fence: a lease taken after this sees the flag, or this sees the lease.
        Interlocked.Exchange(ref retired, 1);
        if (Volatile.Read(ref leases) == 0)
        {
            Dispose();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        // Queued batches finish first; then the sessions can go.
        encoderBatcher?.Dispose();
        decoderBatcher?.Dispose();
        reconstructionBatcher?.Dispose();
        encoder.Dispose();
        decoder.Dispose();
        NativeHeap.TrimSoon();
    }

    /// <summary>
    /// Runs one inference. ONNX Runtime writes the output straight into the array returned, whose shape is
    /// <paramref name="outputShape"/>. Cancellation (a timed-out or aborted request) sets the run's terminate flag, which
    /// ONNX Runtime checks between operators, so the work stops instead of finishing for nobody; a run nothing can cancel
    /// (a batch, which runs for several callers) shares one set of run options. A run that gives its output counts in the
    /// stage's <paramref name="statistics"/>: its time preparing the input and output, running, and handing the output back.
    /// </summary>
    private static float[] Run(
        InferenceSession session,
        string[] inputName,
        string[] outputName,
        Memory<float> input,
        long[] shape,
        long[] outputShape,
        StageMetrics metrics,
        StageStatistics? statistics,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        var output = new float[ElementCount(outputShape)];
        // The tensors use the caller's memory and the answer's in place: a slice of a bulk request costs no copy, and
        // the output is not copied out of memory of ONNX Runtime's.
        var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, shape);
        var result = OrtValue.CreateTensorValueFromMemory(output, outputShape);
        var cancellable = cancellationToken.CanBeCanceled;
        var runOptions = cancellable ? new RunOptions() : null;
        var registration = cancellable ? cancellationToken.Register(static options => ((RunOptions)options!).Terminate = true, runOptions) : default;
        long prepared;
        long ran;
        try
        {
            prepared = Stopwatch.GetTimestamp();
            session.Run(runOptions ?? Uncancellable, inputName, [value], outputName, [result]);
            ran = Stopwatch.GetTimestamp();
        }
        catch (OnnxRuntimeException terminated) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("inference was cancelled", terminated, cancellationToken);
        }
        finally
        {
            // Handing the output back is letting go of the run's tensors and options: nothing is copied.
            registration.Dispose();
            runOptions?.Dispose();
            result.Dispose();
            value.Dispose();
        }

        var released = Stopwatch.GetTimestamp();
        metrics.Record(shape[0], Stopwatch.GetElapsedTime(started, released));
        statistics?.Executed(prepared - started, ran - prepared, released - ran);
        return output;
    }

    private static int ElementCount(long[] shape)
    {
        long count = 1;
        foreach (var dimension in shape)
        {
            count *= dimension;
        }

        return checked((int)count);
    }

    private static InferenceSession OpenSession(string path, byte[] onnx, ExecutionProviderSelector selector, DeviceKind device, ref ExecutionProvider provider, ILogger logger)
    {
        try
        {
            return CreateSession(onnx, selector.CreateSessionOptions(provider.Name));
        }
        catch (OnnxRuntimeException e) when (provider.Name == ExecutionProvider.Cuda && device == DeviceKind.Auto)
        {
            // The provider loaded but the session could not be placed on the GPU (e.g. no such device).
            var reason = $"CUDA session failed: {e.Message.Split('\n', 2)[0].Trim()}";
            logger.FallingBack(ExecutionProvider.Cpu, $"{reason} ({path})");
            provider = new ExecutionProvider(ExecutionProvider.Cpu, reason);
            return CreateSession(onnx, selector.CreateSessionOptions(ExecutionProvider.Cpu));
        }
        catch (OnnxRuntimeException e) when (provider.Name == ExecutionProvider.Cuda && device == DeviceKind.Cuda)
        {
            // The provider loaded but the session could not be placed on the GPU (e.g. no such device).
            throw new InvalidOperationException(
                $"Inference:Device is 'cuda' but CUDA cannot be used: the CUDA session for {path} failed ({e.Message.Split('\n', 2)[0].Trim()}). "
                + "Install CUDA 13 and cuDNN 9, or set Inference:Device to 'auto' or 'cpu'.",
                e);
        }
        catch (OnnxRuntimeException e) when (provider.Name == ExecutionProvider.Cpu)
        {
            throw new ModelLoadException(path, $"ONNX Runtime cannot load it ({e.Message.Split('\n', 2)[0].Trim()})");
        }
    }

    private static InferenceSession CreateSession(byte[] onnx, SessionOptions options)
    {
        using (options)
        {
            return new InferenceSession(onnx, options);
        }
    }

    /// <summary>The optional latent map; one that is there but unreadable or made for other latents stops the load.</summary>
    private static LatentMap? LoadLatentMap(ModelFiles files, ModelManifest manifest)
    {
        if (files.LatentMap is not { } json)
        {
            return null;
        }

        var path = files.PathOf(LatentMap.FileName);
        LatentMap map;
        try
        {
            map = LatentMap.FromJson(json);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ModelLoadException(path, $"not a valid latent map ({e.Message})");
        }

        return map.Mismatch(manifest.LatentSize) is { } mismatch
            ? throw new ModelLoadException(path, $"does not fit model.json: {mismatch}")
            : map;
    }

    /// <summary>
    /// The latent map's examples are answered as they are stored: each must be a PNG of the model's own size and colour.
    /// Checked after the ONNX files, whose disagreement with model.json says more.
    /// </summary>
    private void CheckLatentMapExamples(ModelFiles files)
    {
        var examples = LatentMap?.Examples ?? [];
        for (var i = 0; i < examples.Length; i++)
        {
            if (PngHeader.Problem(examples[i].Image, Manifest.Image) is { } problem)
            {
                throw new ModelLoadException(files.PathOf(LatentMap.FileName), $"does not fit model.json: examples[{i}].image {problem}");
            }
        }
    }

    /// <summary>
    /// The files must have exactly the inputs and outputs model.json names, with its sizes. A variational autoencoder's
    /// encoder has a second output, the log-variance, named in model.json's <c>variational</c>; the service uses only
    /// the latent (the mean), but an encoder and a model.json that disagree about it are not the same model.
    /// </summary>
    private void CheckSignatures(string encoderPath, string decoderPath)
    {
        var image = new ExpectedShape([-1, .. imageShape], "image.channels, image.height and image.width");
        var latent = new ExpectedShape([-1, LatentSize], "latentSize");
        Expect(encoderPath, "input", encoder.InputMetadata, [(encoderInput[0], image)]);
        Expect(
            encoderPath,
            "output",
            encoder.OutputMetadata,
            Manifest.Variational is { } variational ? [(encoderOutput[0], latent), (variational.LogVarianceOutput, latent)] : [(encoderOutput[0], latent)]);
        Expect(decoderPath, "input", decoder.InputMetadata, [(decoderInput[0], latent)]);
        Expect(decoderPath, "output", decoder.OutputMetadata, [(decoderOutput[0], image)]);
    }

    private static void Expect(string path, string kind, IReadOnlyDictionary<string, NodeMetadata> metadata, (string Name, ExpectedShape Shape)[] expected)
    {
        var names = expected.Select(entry => entry.Name).ToArray();
        if (metadata.Count != expected.Length || !names.All(metadata.ContainsKey))
        {
            var wanted = expected.Length == 1
                ? $"one {kind} named '{names[0]}' (as model.json says)"
                : $"{expected.Length} {kind}s named {string.Join(" and ", names.Select(name => $"'{name}'"))} (as model.json says, its variational naming the second)";
            throw new ModelLoadException(path, $"expected {wanted}, found: {string.Join(", ", metadata.Keys)}");
        }

        foreach (var (name, shape) in expected)
        {
            ExpectShape(path, kind, metadata[name], name, shape);
        }
    }

    private static void ExpectShape(string path, string kind, NodeMetadata node, string name, ExpectedShape expected)
    {
        if (node.ElementType != typeof(float) || !node.Dimensions.SequenceEqual(expected.Dimensions.Select(dimension => (int)dimension)))
        {
            throw new ModelLoadException(
                path,
                $"{kind} '{name}' is {node.ElementType.Name}[{string.Join(",", node.Dimensions)}], but model.json implies float32[{string.Join(",", expected.Dimensions)}] "
                + $"(from its {expected.Fields}; -1: any batch size)");
        }
    }

    /// <summary>A tensor's shape as model.json implies it, and the model.json fields it comes from.</summary>
    private sealed record ExpectedShape(long[] Dimensions, string Fields);

    /// <summary>The metric series of one model stage, resolved once.</summary>
    private sealed class StageMetrics(ApiMetrics metrics, string model, string stage)
    {
        private readonly Prometheus.Histogram.Child duration = metrics.InferenceDuration.WithLabels(model, stage);
        private readonly Prometheus.Histogram.Child batchSize = metrics.BatchSize.WithLabels(model, stage);
        private readonly Prometheus.Counter.Child processed = metrics.ImagesProcessed.WithLabels(model, stage);

        private long runs;

        public long Runs => Interlocked.Read(ref runs);

        public void Record(long count, TimeSpan elapsed)
        {
            Interlocked.Increment(ref runs);
            duration.Observe(elapsed.TotalSeconds);
            batchSize.Observe(count);
            processed.Inc(count);
        }
    }
}

/// <summary>
/// Rows through both stages: their latents ([rows, latent]), their reconstructions ([rows, C, H, W]), and the
/// stopwatch timestamp at which the encoder had given the latents.
/// </summary>
public sealed record ReconstructedRows(float[] Latents, float[] Images, long Encoded)
{
    /// <summary>The rows from <paramref name="first"/> on, <paramref name="count"/> of them.</summary>
    public ReconstructedRows Part(int first, int count, int latentSize, int pixelCount) =>
        new(Latents[(first * latentSize)..((first + count) * latentSize)], Images[(first * pixelCount)..((first + count) * pixelCount)], Encoded);
}
