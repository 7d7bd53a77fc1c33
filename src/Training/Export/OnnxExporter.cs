using Autoencoder.Training.Models;
using Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Autoencoder.Training.Export;

/// <summary>
/// The name and shape of a graph's single input and main output; a null dimension is the batch. A layer may publish
/// further values under a name (a variational encoder's log-variance): <paramref name="SideOutputs"/> lists those the
/// graph gives as outputs too, and every published value must be one of them.
/// </summary>
internal sealed record OnnxSignature(string InputName, long?[] InputShape, string OutputName, long?[] OutputShape, IReadOnlyList<OnnxOutput>? SideOutputs = null);

/// <summary>A further graph output: its name and shape.</summary>
internal sealed record OnnxOutput(string Name, long?[] Shape);

/// <summary>
/// Writes a TorchSharp module tree as a standard ONNX model with its weights as initializers. TorchSharp has
/// no exporter of its own; this one knows the layers our models use, one small converter each, so that a new
/// layer (BatchNorm2d, Upsample, ...) is one more entry in <see cref="Converters"/>.
/// </summary>
internal static class OnnxExporter
{
    public const int Opset = 17;

    // IR version 8 is what opset 17 shipped with; older checkers and runtimes accept it.
    private const long IrVersion = 8;

    private delegate string Converter(nn.Module module, string path, string input, OnnxGraphBuilder graph);

    private static readonly Dictionary<Type, Converter> Converters = new()
    {
        [typeof(Sequential)] = ConvertSequential,
        [typeof(Linear)] = ConvertLinear,
        [typeof(Conv2d)] = (module, path, input, graph) => ConvertConvolution("Conv", (Convolution)module, path, input, graph),
        [typeof(ConvTranspose2d)] = (module, path, input, graph) => ConvertConvolution("ConvTranspose", (Convolution)module, path, input, graph),
        [typeof(Flatten)] = ConvertFlatten,
        [typeof(Unflatten)] = ConvertUnflatten,
        [typeof(ReLU)] = (_, path, input, graph) => graph.Node("Relu", path, [input]),
        [typeof(LeakyReLU)] = (module, path, input, graph) =>
            graph.Node("LeakyRelu", path, [input], OnnxGraphBuilder.FloatAttribute("alpha", (float)((LeakyReLU)module).negative_slope)),
        [typeof(Models.LeakyRelu)] = (module, path, input, graph) =>
            graph.Node("LeakyRelu", path, [input], OnnxGraphBuilder.FloatAttribute("alpha", (float)((Models.LeakyRelu)module).NegativeSlope)),
        [typeof(Sigmoid)] = (_, path, input, graph) => graph.Node("Sigmoid", path, [input]),
        [typeof(Scale)] = ConvertScale,
        [typeof(Clamp)] = ConvertClamp,
        [typeof(GaussianEncoder)] = ConvertGaussianEncoder,
    };

    public static ModelProto Export(nn.Module module, string graphName, OnnxSignature signature, IReadOnlyDictionary<string, string> metadata)
    {
        var graph = new OnnxGraphBuilder(graphName);
        graph.Input(signature.InputName, signature.InputShape);
        var output = Convert(module, "", signature.InputName, graph);
        graph.Rename(output, signature.OutputName);
        graph.Output(signature.OutputName, signature.OutputShape);
        var sideOutputs = signature.SideOutputs ?? [];
        foreach (var (name, _) in graph.Published.Where(entry => sideOutputs.All(side => side.Name != entry.Key)))
        {
            throw new NotSupportedException($"graph '{graphName}' computes '{name}', but its signature has no such output");
        }

        foreach (var side in sideOutputs)
        {
            if (!graph.Published.TryGetValue(side.Name, out var value))
            {
                throw new NotSupportedException($"graph '{graphName}' was to give '{side.Name}', but no layer computes it");
            }

            graph.Rename(value, side.Name);
            graph.Output(side.Name, side.Shape);
        }

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = metadata.GetValueOrDefault("producer", "autoencoder-train"),
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
            Domain = "autoencoder",
            ModelVersion = 1,
            DocString = metadata.GetValueOrDefault("description", graphName),
            Graph = graph.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach (var (key, value) in metadata)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model;
    }

    private static string Convert(nn.Module module, string path, string input, OnnxGraphBuilder graph)
    {
        if (!Converters.TryGetValue(module.GetType(), out var converter))
        {
            throw new NotSupportedException($"no ONNX converter for layer '{path}' of type {module.GetType().Name}");
        }

        return converter(module, path.Length == 0 ? module.GetName() : path, input, graph);
    }

    private static string ConvertSequential(nn.Module module, string path, string input, OnnxGraphBuilder graph)
    {
        var current = input;
        foreach (var (name, child) in ((Sequential)module).named_children())
        {
            current = Convert(child, $"{path}.{name}", current, graph);
        }

        return current;
    }

    private static string ConvertLinear(nn.Module module, string path, string input, OnnxGraphBuilder graph)
    {
        var linear = (Linear)module;
        var weight = graph.Weight($"{path}.weight", linear.weight!);
        var inputs = linear.bias is null ? new[] { input, weight } : [input, weight, graph.Weight($"{path}.bias", linear.bias)];

        // y = x W^T + b: Gemm with the weight transposed, exactly torch's Linear on a [N, in] input.
        return graph.Node("Gemm", path, inputs, OnnxGraphBuilder.IntAttribute("transB", 1));
    }

    private static string ConvertConvolution(string opType, Convolution convolution, string path, string input, OnnxGraphBuilder graph)
    {
        if (convolution.padding_mode != TorchSharp.PaddingModes.Zeros || convolution.padding_type is not null || convolution.padding is not { } padding)
        {
            throw new NotSupportedException($"layer '{path}': only explicit zero padding is exported");
        }

        var weight = graph.Weight($"{path}.weight", convolution.weight!);
        var inputs = convolution.bias is null ? new[] { input, weight } : [input, weight, graph.Weight($"{path}.bias", convolution.bias)];

        // ONNX pads list every spatial axis's start, then every axis's end; torch pads both ends alike.
        var attributes = new List<AttributeProto>
        {
            OnnxGraphBuilder.IntsAttribute("kernel_shape", convolution.kernel_size),
            OnnxGraphBuilder.IntsAttribute("strides", convolution.stride),
            OnnxGraphBuilder.IntsAttribute("pads", [.. padding, .. padding]),
            OnnxGraphBuilder.IntsAttribute("dilations", convolution.dilation),
            OnnxGraphBuilder.IntAttribute("group", convolution.groups),
        };
        if (convolution.transposed)
        {
            attributes.Add(OnnxGraphBuilder.IntsAttribute("output_padding", convolution.output_padding));
        }

        return graph.Node(opType, path, inputs, [.. attributes]);
    }

    private static string ConvertFlatten(nn.Module module, string path, string input, OnnxGraphBuilder graph)
    {
        var flatten = (Flatten)module;
        if (flatten.start_dim != 1 || flatten.end_dim != -1)
        {
            throw new NotSupportedException($"layer '{path}': only Flatten(start_dim: 1, end_dim: -1) is exported");
        }

        return graph.Node("Flatten", path, [input], OnnxGraphBuilder.IntAttribute("axis", 1));
    }

    private static string ConvertUnflatten(nn.Module module, string path, string input, OnnxGraphBuilder graph)
    {
        var unflatten = (Unflatten)module;
        if (unflatten.dim != 1)
        {
            throw new NotSupportedException($"layer '{path}': only Unflatten(dim: 1, ...) is exported");
        }

        // Reshape's 0 copies the batch dimension from the input, so N stays dynamic (and may be 0).
        var shape = graph.Int64s($"{path}.shape", unflatten.unflattened_size.Prepend(0));
        return graph.Node("Reshape", path, [input, shape]);
    }

    /// <summary>The trunk once, then both heads on its features: the mean is the layer's value, the log-variance is published.</summary>
    private static string ConvertGaussianEncoder(nn.Module module, string path, string input, OnnxGraphBuilder graph)
    {
        var encoder = (GaussianEncoder)module;
        var features = Convert(encoder.Trunk, $"{path}.trunk", input, graph);
        graph.Publish(GaussianEncoder.LogVarianceOutput, Convert(encoder.LogVariance, $"{path}.logVariance", features, graph));
        return Convert(encoder.Mean, $"{path}.mean", features, graph);
    }

    private static string ConvertScale(nn.Module module, string path, string input, OnnxGraphBuilder graph) =>
        graph.Node("Mul", path, [input, graph.Scalar($"{path}.factor", ((Scale)module).Factor)]);

    private static string ConvertClamp(nn.Module module, string path, string input, OnnxGraphBuilder graph)
    {
        var clamp = (Clamp)module;
        return graph.Node("Clip", path, [input, graph.Scalar($"{path}.min", clamp.Min), graph.Scalar($"{path}.max", clamp.Max)]);
    }
}
