using System.Diagnostics;
using System.Globalization;
using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Autoencoder.Api.Metrics;
using Autoencoder.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

// In-process throughput of what the API does, with no HTTP: (1) the single-image pipeline, PNG bytes ->
// decode -> preprocess -> encoder + decoder -> PNG bytes, on every core at once; (2) encoding a whole IDX
// file with the ONNX model in the chunks bulk requests run in. Usage: pipeline-bench MODEL_DIR IDX_GZ [SECONDS]
// With "encoder BATCH" after SECONDS, only (3): the encoder alone on batches of BATCH images, on one core and on
// every core at once, the in-process limit of a front door that hands the model whole batches. With "steps" after
// SECONDS, only (4): each step of one digit's way (PNG decoded, prepared, encoder, decoder, PNG written, zlib) timed
// apart on one thread, then the whole way: where the pipeline's microseconds go.
var modelDirectory = args[0];
var idxPath = args[1];
var seconds = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 10;
var encoderBatch = args.Length > 4 && args[3] == "encoder" ? int.Parse(args[4], CultureInfo.InvariantCulture) : 0;

var inference = Options.Create(new InferenceOptions { Device = DeviceKind.Cpu, IntraOpThreads = int.Parse(Environment.GetEnvironmentVariable("INTRA_OP_THREADS") ?? "1", CultureInfo.InvariantCulture) });
var selector = new ExecutionProviderSelector(inference, NullLogger<ExecutionProviderSelector>.Instance);
using var model = OnnxAutoencoder.Load(
    "mnist", modelDirectory, selector, DeviceKind.Cpu, new BatchingOptions { Enabled = false }, new ApiMetrics(),
    new InferenceStatistics(new ModelRegistry(Options.Create(new ModelsOptions())), TimeProvider.System), NullLogger.Instance);
using var decoder = new ImageDecoder(new ImageLimits());
using var budget = new DecodeBudget(long.MaxValue);
var images = new ImageTensors(decoder, budget);
var shape = model.Manifest.Image;

var (idx, digits) = Idx.ReadImages(Idx.Decompress(File.ReadAllBytes(idxPath)));
var count = idx.Count;
var pngs = Enumerable.Range(0, 256).Select(i => PngImages.Encode(
    PixelValues.ToUnit(digits.AsSpan(i * shape.PixelCount, shape.PixelCount)), shape.Width, shape.Height)).ToArray();

var threads = Environment.ProcessorCount;
if (encoderBatch > 0)
{
    var batch = new float[encoderBatch * shape.PixelCount];
    for (var i = 0; i < batch.Length; i++)
    {
        batch[i] = PixelValues.ToUnit(digits[i % digits.Length]);
    }

    foreach (var cores in new[] { 1, threads })
    {
        var rate = EncodeFor(cores, seconds / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"encoder: {rate:F0} images/s (batches of {encoderBatch}, {cores} thread(s), {seconds / 2:F1} s)"));
    }

    return;

    double EncodeFor(int cores, double duration)
    {
        model.Encode(batch, encoderBatch); // warm-up
        var end = Stopwatch.GetTimestamp() + (long)(duration * Stopwatch.Frequency);
        var batches = new long[cores];
        var timer = Stopwatch.StartNew();
        Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores }, core =>
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                model.Encode(batch, encoderBatch);
                batches[core]++;
            }
        });
        return batches.Sum() * encoderBatch / timer.Elapsed.TotalSeconds;
    }
}

if (args.Length > 3 && args[3] == "steps")
{
    // Each step of one image's way on one thread, timed apart: where the pipeline's microseconds go.
    var sample = pngs[0];
    var next = 0;
    var prepared = images.ToModelInputAsync(sample, shape, model.Manifest.ImageHandling, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    var latent = model.Encode(prepared, 1);
    var decoded = model.Decode(latent, 1);
    var rows = new byte[shape.Height * (shape.Width + 1)];
    PixelValues.ToBytes(decoded, rows.AsSpan(0, shape.PixelCount));
    var steps = new (string Name, Action Run)[]
    {
        ("PNG decoded (ImageSharp)", () => { using var image = decoder.Load(decoder.Inspect(sample, DigitPreparation.SmallestUsefulSource(shape.Width, shape.Height))); }),
        ("PNG decoded and the digit prepared", () => images.ToModelInputAsync(sample, shape, model.Manifest.ImageHandling, CancellationToken.None).AsTask().GetAwaiter().GetResult()),
        ("encoder, 1 image", () => model.Encode(prepared, 1)),
        ("decoder, 1 image", () => model.Decode(latent, 1)),
        ("PNG written", () => images.ToPng(decoded, shape)),
        ("of which zlib at its fastest level, the rows of a digit", () =>
        {
            using var compressed = new MemoryStream(1024);
            using var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.Fastest);
            zlib.Write(rows);
        }),
        ("the whole way, image after image", () =>
        {
            var input = images.ToModelInputAsync(pngs[next++ % pngs.Length], shape, model.Manifest.ImageHandling, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            _ = images.ToPng(model.Decode(model.Encode(input, 1), 1), shape);
        }),
        ("the whole way, the same image", () =>
        {
            var input = images.ToModelInputAsync(sample, shape, model.Manifest.ImageHandling, CancellationToken.None).AsTask().GetAwaiter().GetResult();
            _ = images.ToPng(model.Decode(model.Encode(input, 1), 1), shape);
        }),
    };
    foreach (var (name, run) in steps)
    {
        var perStep = new List<double>();
        for (var round = 0; round < 5; round++)
        {
            var calls = 0;
            var timer = Stopwatch.StartNew();
            while (timer.Elapsed.TotalSeconds < seconds / 25)
            {
                run();
                calls++;
            }

            perStep.Add(timer.Elapsed.TotalMicroseconds / calls);
        }

        perStep.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {perStep[2]:F1} µs (median of 5 rounds, one thread)"));
    }

    return;
}

// (1) single-image pipeline on all cores
var deadline = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
var done = new long[threads];
var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
{
    var i = t;
    while (Stopwatch.GetTimestamp() < deadline)
    {
        var input = images.ToModelInputAsync(pngs[i++ % pngs.Length], shape, model.Manifest.ImageHandling, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        var output = model.Decode(model.Encode(input, 1), 1);
        _ = images.ToPng(output, shape);
        done[t]++;
    }
})).ToArray();
var clock = Stopwatch.StartNew();
foreach (var worker in workers)
{
    worker.Start();
}

foreach (var worker in workers)
{
    worker.Join();
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"pipeline: {done.Sum() / clock.Elapsed.TotalSeconds:F0} images/s (PNG in -> preprocess -> encoder+decoder -> PNG out, {threads} threads, {clock.Elapsed.TotalSeconds:F1} s)"));

// (2) bulk encode, in the chunks the service's bulk requests run in, as the ONNX model allows in-process
var pixels = PixelValues.ToUnit(digits.AsSpan(0, count * shape.PixelCount));

var rates = new List<double>();
for (var round = 0; round < 5; round++)
{
    var timer = Stopwatch.StartNew();
    for (var start = 0; start < count; start += AutoencoderService.ChunkSize)
    {
        var rows = Math.Min(AutoencoderService.ChunkSize, count - start);
        model.Encode(pixels.AsMemory(start * shape.PixelCount, rows * shape.PixelCount), rows);
    }

    rates.Add(count / timer.Elapsed.TotalSeconds);
}

rates.Sort();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"bulk: {rates[rates.Count / 2]:F0} images/s (encoder alone, {count} images in batches of {AutoencoderService.ChunkSize}, median of 5)"));
