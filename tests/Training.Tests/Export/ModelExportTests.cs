using System.Diagnostics;
using Autoencoder.Core;
using Autoencoder.Training.Export;
using Autoencoder.Training.Models;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using static TorchSharp.torch;

namespace Autoencoder.Training.Tests.Export;

public sealed class ModelExportTests : IDisposable
{
    private static readonly Dictionary<string, string> Metadata = new()
    {
        ["producer"] = "autoencoder-train",
        ["architecture"] = "fc 784-100-20",
        ["dataset"] = "mnist",
    };

    private readonly TempDirectory temp = TestData.CreateTempDirectory();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(1f, "LeakyRelu", "None", "Sigmoid")]
    [InlineData(255f, "Relu", "Relu", "Relu")]
    public void ExportedModelsComputeWhatTorchSharpComputesForAnyBatchSize(float pixelScale, string hidden, string latent, string output)
    {
        using var model = CreateModel(pixelScale, Enum.Parse<Activation>(latent), Enum.Parse<Activation>(output), seed: 3, Enum.Parse<Activation>(hidden));
        using var images = rand(16, 1, 28, 28);

        var results = ModelExport.Write(model, temp.Path, images, Metadata);

        Assert.All(results, result => Assert.True(result.Passed));
        using var encoder = new InferenceSession(temp.File(ModelManifest.EncoderFileName));
        using var decoder = new InferenceSession(temp.File(ModelManifest.DecoderFileName));
        foreach (var batch in new[] { 1, 7 })
        {
            using var input = images.narrow(0, 0, batch);
            using var _ = no_grad();
            using var expectedLatent = model.ContractEncoder.forward(input);
            using var expectedImage = model.ContractDecoder.forward(expectedLatent);

            var latentValues = Run(encoder, "image", input, "latent", out var latentShape);
            var imageValues = Run(decoder, "latent", expectedLatent, "image", out var imageShape);

            Assert.Equal([batch, 20], latentShape);
            Assert.Equal([batch, 1, 28, 28], imageShape);
            AssertClose(expectedLatent, latentValues, 1e-5 * Math.Max(1, expectedLatent.abs().max().item<float>()));
            AssertClose(expectedImage, imageValues, 1e-5);
            Assert.All(imageValues, value => Assert.InRange(value, 0f, 1f));
        }
    }

    [Theory]
    [InlineData(28, 28, 2)]
    [InlineData(16, 24, 1)]
    public void ConvolutionalModelsExportAsConvAndConvTransposeAndComputeWhatTorchSharpComputes(int height, int width, int convolutionsPerStage)
    {
        manual_seed(5);
        var image = new ImageShape(1, height, width);
        var network = new NetworkOptions { Kind = ArchitectureKind.Conv, Channels = [8, 16], ConvolutionsPerStage = convolutionsPerStage, Latent = 6 }
            .Create(Recipes.Recipe.Default, image);
        using var model = new AutoencoderModel(network, 1f);
        model.Network.eval();
        using var images = rand(9, 1, height, width);

        var results = ModelExport.Write(model, temp.Path, images, Metadata);

        Assert.All(results, result => Assert.True(result.Passed, $"{result.Model}: {result.MaxAbsoluteDifference}"));
        var encoderGraph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(temp.File(ModelManifest.EncoderFileName))).Graph;
        var decoderGraph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(temp.File(ModelManifest.DecoderFileName))).Graph;
        Assert.Equal(2 * convolutionsPerStage, encoderGraph.Node.Count(node => node.OpType == "Conv"));
        Assert.Equal(2, decoderGraph.Node.Count(node => node.OpType == "ConvTranspose"));
        using var decoder = new InferenceSession(temp.File(ModelManifest.DecoderFileName));
        using var _ = no_grad();
        using var latent = model.ContractEncoder.forward(images.narrow(0, 0, 3));
        var decoded = Run(decoder, "latent", latent, "image", out var shape);
        Assert.Equal([3, 1, height, width], shape);
        using var expected = model.ContractDecoder.forward(latent);
        AssertClose(expected, decoded, 1e-5);
    }

    [Fact]
    public void AnImageThatDoesNotHalveEvenlyAtEveryStageIsRefusedByName()
    {
        var error = Assert.Throws<ArgumentException>(() => new NetworkOptions { Kind = ArchitectureKind.Conv }.Create(Recipes.Recipe.Default, new ImageShape(1, 27, 28)));

        Assert.Contains("27x28 image does not halve evenly", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SignatureHasTheContractNamesAndADynamicBatch()
    {
        using var model = CreateModel(1f, Activation.None, Activation.Sigmoid, seed: 1);
        using var images = rand(4, 1, 28, 28);
        ModelExport.Write(model, temp.Path, images, Metadata);

        using var encoder = new InferenceSession(temp.File(ModelManifest.EncoderFileName));
        using var decoder = new InferenceSession(temp.File(ModelManifest.DecoderFileName));

        Assert.Equal([-1, 1, 28, 28], encoder.InputMetadata["image"].Dimensions);
        Assert.Equal("N", encoder.InputMetadata["image"].SymbolicDimensions[0]);
        Assert.Equal([-1, 20], encoder.OutputMetadata["latent"].Dimensions);
        Assert.Equal([-1, 20], decoder.InputMetadata["latent"].Dimensions);
        Assert.Equal([-1, 1, 28, 28], decoder.OutputMetadata["image"].Dimensions);
        Assert.Equal("autoencoder-train", encoder.ModelMetadata.ProducerName);
        Assert.Equal("encoder", encoder.ModelMetadata.CustomMetadataMap["role"]);
        Assert.Equal("decoder", decoder.ModelMetadata.CustomMetadataMap["role"]);
        Assert.Equal("mnist", decoder.ModelMetadata.CustomMetadataMap["dataset"]);
        Assert.Equal("fc 784-100-20", decoder.ModelMetadata.CustomMetadataMap["architecture"]);
    }

    [Fact]
    public void UsesStandardOperatorsAtOpset17WithWeightsAsInitializers()
    {
        using var model = CreateModel(255f, Activation.Relu, Activation.Relu, seed: 1);
        using var images = rand(4, 1, 28, 28);
        ModelExport.Write(model, temp.Path, images, Metadata);

        var encoder = ModelProto.Parser.ParseFrom(File.ReadAllBytes(temp.File(ModelManifest.EncoderFileName)));
        var decoder = ModelProto.Parser.ParseFrom(File.ReadAllBytes(temp.File(ModelManifest.DecoderFileName)));

        Assert.Equal(17, Assert.Single(encoder.OpsetImport).Version);
        Assert.Equal(["Mul", "Flatten", "Gemm", "Relu", "Gemm", "Relu"], encoder.Graph.Node.Select(node => node.OpType));
        Assert.Equal(["Gemm", "Relu", "Gemm", "Relu", "Reshape", "Mul", "Clip"], decoder.Graph.Node.Select(node => node.OpType));
        var weights = encoder.Graph.Initializer.Where(tensor => tensor.Dims.Count == 2).Select(tensor => tensor.Dims.ToArray()).ToArray();
        Assert.Equal([[100L, 784L], [20L, 100L]], weights);
    }

    [Fact]
    public void ParityCheckCatchesAGraphThatComputesSomethingElse()
    {
        using var trained = CreateModel(1f, Activation.None, Activation.Sigmoid, seed: 1);
        using var other = CreateModel(1f, Activation.None, Activation.Sigmoid, seed: 2);
        using var images = rand(8, 1, 28, 28);
        var otherEncoder = OnnxExporter.Export(
            other.ContractEncoder, "encoder", new OnnxSignature("image", [null, 1, 28, 28], "latent", [null, 20]), Metadata);

        var result = ParityCheck.Compare("encoder.onnx", Google.Protobuf.MessageExtensions.ToByteArray(otherEncoder), "image", "latent", trained.ContractEncoder, images, 1e-5);

        Assert.False(result.Passed);
        Assert.True(result.MaxAbsoluteDifference > 1e-3);
    }

    [Fact]
    public void RefusesALayerItCannotExport()
    {
        using var module = nn.Sequential(("flatten", nn.Flatten()), ("dropout", nn.Dropout()));

        var error = Assert.Throws<NotSupportedException>(() =>
            OnnxExporter.Export(module, "x", new OnnxSignature("image", [null, 1, 28, 28], "out", [null, 784]), Metadata));

        Assert.Contains("dropout", error.Message, StringComparison.Ordinal);
        Assert.Contains("Dropout", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fc")]
    [InlineData("conv")]
    [InlineData("vae")]
    public void OnnxCheckerAcceptsBothFiles(string architecture)
    {
        using var model = architecture switch
        {
            "conv" => ConvolutionalModel(),
            "vae" => ConvolutionalModel(ArchitectureKind.Vae),
            _ => CreateModel(1f, Activation.None, Activation.Sigmoid, seed: 1, Activation.LeakyRelu),
        };
        using var images = rand(4, 1, 28, 28);
        ModelExport.Write(model, temp.Path, images, Metadata);

        foreach (var file in new[] { ModelManifest.EncoderFileName, ModelManifest.DecoderFileName })
        {
            var (exitCode, output) = OnnxChecker.Check(temp.File(file));
            Assert.True(exitCode == 0, $"onnx.checker rejected {file}: {output}");
        }
    }

    [Fact]
    public void AVariationalEncoderGivesItsMeanAsLatentAndItsLogVarianceAsASecondOutput()
    {
        using var model = ConvolutionalModel(ArchitectureKind.Vae);
        using var images = rand(5, 1, 28, 28);

        var results = ModelExport.Write(model, temp.Path, images, Metadata);

        Assert.Equal(["encoder.onnx", "decoder.onnx", "encoder.onnx (logVariance)"], results.Select(result => result.Model));
        Assert.All(results, result => Assert.True(result.Passed, $"{result.Model}: {result.MaxAbsoluteDifference}"));
        using var encoder = new InferenceSession(temp.File(ModelManifest.EncoderFileName));
        Assert.Equal(["latent", "logVariance"], encoder.OutputNames);
        var variational = (VariationalAutoencoder)model.Network;
        using var gradients = no_grad();
        var (mean, logVariance) = variational.Encoder.Distribution(images);
        using (mean)
        using (logVariance)
        {
            AssertClose(mean, Run(encoder, "image", images, "latent", out var meanShape), 1e-5);
            AssertClose(logVariance, Run(encoder, "image", images, "logVariance", out var logVarianceShape), 1e-5);
            Assert.Equal([5L, 20L], meanShape);
            Assert.Equal([5L, 20L], logVarianceShape);
        }
    }

    [Fact]
    public void AGraphMustGiveEverySideOutputItsSignatureNamesAndNoOther()
    {
        using var model = ConvolutionalModel(ArchitectureKind.Vae);
        var withoutLogVariance = new OnnxSignature("image", [null, 1, 28, 28], "latent", [null, 20]);
        var withUnknown = withoutLogVariance with { SideOutputs = [new OnnxOutput("logVariance", [null, 20]), new OnnxOutput("spread", [null, 20])] };

        var unclaimed = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(model.ContractEncoder, "encoder", withoutLogVariance, Metadata));
        var missing = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(model.ContractEncoder, "encoder", withUnknown, Metadata));

        Assert.Equal("graph 'encoder' computes 'logVariance', but its signature has no such output", unclaimed.Message);
        Assert.Equal("graph 'encoder' was to give 'spread', but no layer computes it", missing.Message);
    }

    private static AutoencoderModel ConvolutionalModel(ArchitectureKind kind = ArchitectureKind.Conv)
    {
        manual_seed(1);
        var recipe = kind == ArchitectureKind.Vae ? Recipes.Recipe.Variational : Recipes.Recipe.Default;
        var model = new AutoencoderModel(new NetworkOptions { Kind = kind }.Create(recipe, ImageShape.Mnist), 1f);
        model.Network.eval();
        return model;
    }

    internal static AutoencoderModel CreateModel(float pixelScale, Activation latent, Activation output, int seed, Activation hidden = Activation.Relu)
    {
        manual_seed(seed);
        var shape = new FullyConnectedShape(ImageShape.Mnist, 100, 20, hidden, latent, output);
        var model = new AutoencoderModel(new FullyConnectedAutoencoder(shape), pixelScale);
        model.Network.eval();
        return model;
    }

    private static float[] Run(InferenceSession session, string inputName, Tensor input, string outputName, out long[] shape)
    {
        using var contiguous = input.contiguous();
        using var value = OrtValue.CreateTensorValueFromMemory(contiguous.data<float>().ToArray(), contiguous.shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [inputName], [value], [outputName]);
        shape = results[0].GetTensorTypeAndShape().Shape;
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static void AssertClose(Tensor expected, float[] actual, double tolerance)
    {
        var values = expected.contiguous().data<float>().ToArray();
        Assert.Equal(values.Length, actual.Length);
        var worst = values.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= tolerance, $"max difference {worst} exceeds {tolerance}");
    }
}

/// <summary>ONNX's own reference checker, from Debian's python3-onnx.</summary>
internal static class OnnxChecker
{
    public static (int ExitCode, string Output) Check(string path)
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { "-c", "import sys, onnx; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print('ok')", path },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
