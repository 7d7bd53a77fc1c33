using Autoencoder.Core;
using Autoencoder.Training.Data;
using Microsoft.ML.OnnxRuntime;

namespace Autoencoder.Training.Reports;

/// <summary>
/// A model folder (encoder.onnx, decoder.onnx, model.json) run by ONNX Runtime on the CPU, exactly as it is served:
/// the reports measure the exported files, not the network they were trained from. Sizes come from model.json.
/// </summary>
internal sealed class ExportedAutoencoder : IDisposable
{
    private const int BatchSize = 500;

    private readonly InferenceSession encoder;
    private readonly InferenceSession? decoder;

    private ExportedAutoencoder(string directory, ModelManifest manifest, InferenceSession encoder, InferenceSession? decoder)
    {
        Directory = directory;
        Manifest = manifest;
        this.encoder = encoder;
        this.decoder = decoder;
    }

    public string Directory { get; }

    public ModelManifest Manifest { get; }

    public string Name => Manifest.Name;

    public int LatentSize => Manifest.LatentSize;

    public int PixelsPerImage => Manifest.Image.PixelCount;

    public static ExportedAutoencoder Open(string directory, int threads) => Open(directory, threads, withDecoder: true);

    /// <summary>Only model.json and encoder.onnx, for what needs latents alone (a folder need not hold decoder.onnx).</summary>
    public static ExportedAutoencoder OpenEncoder(string directory, int threads) => Open(directory, threads, withDecoder: false);

    private static ExportedAutoencoder Open(string directory, int threads, bool withDecoder)
    {
        var manifestPath = Path.Combine(directory, ModelManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            throw new DataFileException(manifestPath, "model.json not found (a model folder holds encoder.onnx, decoder.onnx and model.json)");
        }

        var manifest = ModelManifest.Load(manifestPath);
        var encoder = CreateSession(Path.Combine(directory, ModelManifest.EncoderFileName), threads);
        try
        {
            var decoder = withDecoder ? CreateSession(Path.Combine(directory, ModelManifest.DecoderFileName), threads) : null;
            return new ExportedAutoencoder(directory, manifest, encoder, decoder);
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>[0,1] pixels of the images, checked against the model's image size.</summary>
    public float[] Pixels(ImageStack images, string source)
    {
        var image = Manifest.Image;
        if (images.Channels != image.Channels || images.Rows != image.Height || images.Columns != image.Width)
        {
            throw new DataFileException(source, $"images are {images.Describe()} but model '{Name}' takes {image.Channels}x{image.Height}x{image.Width}");
        }

        return PixelValues.ToUnit(images.Pixels);
    }

    /// <summary>Latents of <paramref name="count"/> images, [count, LatentSize] row-major.</summary>
    public float[] Encode(float[] images, int count) =>
        Run(encoder, Manifest.Contract.EncoderInput, Manifest.Contract.EncoderOutput, images, count, PixelsPerImage, LatentSize, [Manifest.Image.Channels, Manifest.Image.Height, Manifest.Image.Width]);

    /// <summary>Images decoded from <paramref name="count"/> latents, [count, pixels] row-major, in [0,1].</summary>
    public float[] Decode(float[] latents, int count) =>
        Run(decoder ?? throw new InvalidOperationException("opened without its decoder"), Manifest.Contract.DecoderInput, Manifest.Contract.DecoderOutput, latents, count, LatentSize, PixelsPerImage, [LatentSize]);

    public void Dispose()
    {
        encoder.Dispose();
        decoder?.Dispose();
    }

    private static InferenceSession CreateSession(string path, int threads)
    {
        if (!File.Exists(path))
        {
            throw new DataFileException(path, "file not found");
        }

        using var options = new SessionOptions { IntraOpNumThreads = threads, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        try
        {
            return new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new DataFileException(path, $"ONNX Runtime cannot load it ({e.Message})");
        }
    }

    private static float[] Run(InferenceSession session, string inputName, string outputName, float[] input, int count, int inputSize, int outputSize, long[] itemShape)
    {
        var output = new float[(long)count * outputSize];
        using var runOptions = new RunOptions();
        for (var start = 0; start < count; start += BatchSize)
        {
            var batch = Math.Min(BatchSize, count - start);
            var memory = input.AsMemory(start * inputSize, batch * inputSize);
            using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, [batch, .. itemShape]);
            using var results = session.Run(runOptions, [inputName], [value], [outputName]);
            var produced = results[0].GetTensorDataAsSpan<float>();
            if (produced.Length != batch * outputSize)
            {
                throw new InvalidDataException($"{outputName}: the model gave {produced.Length} numbers for {batch} inputs, expected {batch * outputSize}");
            }

            produced.CopyTo(output.AsSpan(start * outputSize));
        }

        return output;
    }
}
