using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Autoencoder.Training.Export;

/// <summary>The largest difference between ONNX Runtime's and TorchSharp's outputs on the same inputs.</summary>
internal sealed record ParityResult(string Model, int Samples, double MaxAbsoluteDifference, double Tolerance)
{
    public bool Passed => MaxAbsoluteDifference <= Tolerance;
}

/// <summary>Thrown when an exported graph does not compute what the trained network computes.</summary>
internal sealed class ExportParityException(ParityResult result)
    : Exception($"{result.Model}: ONNX Runtime differs from TorchSharp by up to {result.MaxAbsoluteDifference:g3} (tolerance {result.Tolerance:g3}) on {result.Samples} samples")
{
    public ParityResult Result { get; } = result;
}

/// <summary>Runs an exported model in ONNX Runtime (CPU) and compares it with the TorchSharp module it came from.</summary>
internal static class ParityCheck
{
    public static ParityResult Compare(string modelName, byte[] onnxModel, string inputName, string outputName, nn.Module<Tensor, Tensor> reference, Tensor input, double tolerance) =>
        Compare(modelName, onnxModel, inputName, outputName, reference.forward, input, tolerance);

    /// <summary>As above, for one of the graph's outputs that no single module computes (a variational encoder's log-variance).</summary>
    public static ParityResult Compare(string modelName, byte[] onnxModel, string inputName, string outputName, Func<Tensor, Tensor> reference, Tensor input, double tolerance)
    {
        float[] expected;
        using (no_grad())
        using (var output = reference(input))
        {
            expected = output.contiguous().data<float>().ToArray();
        }

        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(onnxModel, options);
        using var contiguous = input.contiguous();
        var values = contiguous.data<float>().ToArray();
        using var ortInput = OrtValue.CreateTensorValueFromMemory(values, contiguous.shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [inputName], [ortInput], [outputName]);
        var actual = results[0].GetTensorDataAsSpan<float>();
        if (actual.Length != expected.Length)
        {
            throw new ExportParityException(new ParityResult(modelName, (int)input.shape[0], double.PositiveInfinity, tolerance));
        }

        var worst = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
        }

        return new ParityResult(modelName, (int)input.shape[0], worst, tolerance);
    }
}
