using Microsoft.ML.OnnxRuntime;

namespace Autoencoder.Api.Tests;

/// <summary>The bundled model's ONNX files run directly in ONNX Runtime on CPU, outside the API, as a reference.</summary>
public sealed class DirectOnnx : IDisposable
{
    private readonly InferenceSession encoder;
    private readonly InferenceSession decoder;

    public DirectOnnx(string model = "mnist")
    {
        var directory = Path.Combine(TestData.ModelsDirectory, model);
        encoder = new InferenceSession(Path.Combine(directory, "encoder.onnx"));
        decoder = new InferenceSession(Path.Combine(directory, "decoder.onnx"));
    }

    public float[] Encode(float[] image) => Run(encoder, "image", image, [1, 1, 28, 28], "latent");

    public float[] Decode(float[] latent) => Run(decoder, "latent", latent, [1, latent.Length], "image");

    public void Dispose()
    {
        encoder.Dispose();
        decoder.Dispose();
    }

    private static float[] Run(InferenceSession session, string input, float[] values, long[] shape, string output)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(values, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [input], [value], [output]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
