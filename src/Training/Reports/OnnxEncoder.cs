using Autoencoder.Core;
using Autoencoder.Training.Data;
using Microsoft.ML.OnnxRuntime;

namespace Autoencoder.Training.Reports;

/// <summary>Runs a model folder's encoder.onnx on CPU, as the API would, over a stack of 8-bit images.</summary>
internal static class OnnxEncoder
{
    private const int BatchSize = 256;

    /// <summary>[count, latentSize] latents of the images, each pixel scaled to [0,1] as the tensor contract says.</summary>
    public static float[] Encode(string modelDirectory, ModelManifest manifest, IdxImages images)
    {
        var shape = manifest.Image;
        var latents = new float[(long)images.Count * manifest.LatentSize];
        using var options = new SessionOptions { IntraOpNumThreads = Environment.ProcessorCount };
        using var session = new InferenceSession(Path.Combine(modelDirectory, ModelManifest.EncoderFileName), options);
        using var runOptions = new RunOptions();
        var batch = new float[BatchSize * shape.PixelCount];
        for (var start = 0; start < images.Count; start += BatchSize)
        {
            var rows = Math.Min(BatchSize, images.Count - start);
            var pixels = images.Pixels.AsSpan(start * images.PixelsPerImage, rows * images.PixelsPerImage);
            for (var i = 0; i < pixels.Length; i++)
            {
                batch[i] = pixels[i] / 255f;
            }

            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, batch.AsMemory(0, pixels.Length), [rows, shape.Channels, shape.Height, shape.Width]);
            using var results = session.Run(runOptions, [manifest.Contract.EncoderInput], [input], [manifest.Contract.EncoderOutput]);
            results[0].GetTensorDataAsSpan<float>().CopyTo(latents.AsSpan(start * manifest.LatentSize, rows * manifest.LatentSize));
        }

        return latents;
    }
}
