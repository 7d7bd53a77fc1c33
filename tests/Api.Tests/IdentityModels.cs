using System.Text.Json.Nodes;
using Autoencoder.Core;
using Google.Protobuf;
using Onnx;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Autoencoder.Api.Tests;

/// <summary>
/// Model folders written for a test: an identity autoencoder of any image shape, whose encoder flattens the C x H x W
/// image into a latent of C * H * W numbers and whose decoder reshapes it back, so every output equals its input and
/// which number is which channel can be asserted exactly.
/// </summary>
public static class IdentityModels
{
    private const int FloatType = (int)TensorProto.Types.DataType.Float;
    private const int Int64Type = (int)TensorProto.Types.DataType.Int64;

    /// <summary>
    /// Writes encoder.onnx, decoder.onnx, model.json (<paramref name="template"/>'s, given this shape, handling and
    /// latent size, a Gaussian prior around mid-gray and no scorer) and a latent-map.json with one example of the shape
    /// into <paramref name="folder"/>.
    /// </summary>
    /// <param name="template">A model.json whose other fields the model takes: the bundled mnist's, say.</param>
    public static void Write(string folder, string name, ImageShape shape, string imageHandling, string template, Action<JsonNode>? edit = null)
    {
        Directory.CreateDirectory(folder);
        var latentSize = shape.PixelCount;
        File.WriteAllBytes(Path.Combine(folder, "encoder.onnx"), Reshape("encoder", "image", [shape.Channels, shape.Height, shape.Width], "latent", [latentSize]));
        File.WriteAllBytes(Path.Combine(folder, "decoder.onnx"), Reshape("decoder", "latent", [latentSize], "image", [shape.Channels, shape.Height, shape.Width]));

        var manifest = JsonNode.Parse(File.ReadAllText(template))!;
        manifest["name"] = name;
        manifest["architecture"] = new JsonObject
        {
            ["kind"] = "identity",
            ["hiddenActivation"] = "none",
            ["latentActivation"] = "none",
            ["outputActivation"] = "none",
        };
        manifest["image"] = JsonNode.Parse(JsonSerializerShape(shape));
        manifest["imageHandling"] = imageHandling;
        manifest["latentSize"] = latentSize;
        manifest["prior"] = Prior(latentSize);
        manifest.AsObject().Remove("scorer");
        edit?.Invoke(manifest);
        File.WriteAllText(Path.Combine(folder, "model.json"), manifest.ToJsonString());

        var map = new LatentMap
        {
            Dataset = "test colours",
            FittedImages = 1,
            Mean = new float[latentSize],
            Components = [new float[latentSize], new float[latentSize]],
            ExplainedVariance = [0.5, 0.25],
            Points = [new LatentMapPoint(0, 0, 1)],
            Examples = [new LatentMapExample(1, Convert.ToBase64String(Picture(shape, new Rgb24(255, 0, 0))))],
        };
        map.Save(Path.Combine(folder, "latent-map.json"));
    }

    /// <summary>A PNG of <paramref name="shape"/>'s size filled with <paramref name="colour"/>: gray for one channel, RGB for three.</summary>
    public static byte[] Picture(ImageShape shape, Rgb24 colour)
    {
        using var stream = new MemoryStream();
        if (shape.IsColour)
        {
            using var image = new Image<Rgb24>(shape.Width, shape.Height, colour);
            image.SaveAsPng(stream, new SixLabors.ImageSharp.Formats.Png.PngEncoder { ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.Rgb });
        }
        else
        {
            using var image = new Image<L8>(shape.Width, shape.Height, new L8(colour.R));
            image.SaveAsPng(stream, new SixLabors.ImageSharp.Formats.Png.PngEncoder { ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.Grayscale });
        }

        return stream.ToArray();
    }

    private static string JsonSerializerShape(ImageShape shape) => System.Text.Json.JsonSerializer.Serialize(shape, ModelManifest.JsonOptions);

    /// <summary>One Gaussian around 0.5 with a spread of 0.05: generated images are mid-gray (or mid-colour) noise.</summary>
    private static JsonObject Prior(int latentSize)
    {
        var covariance = new JsonArray();
        for (var row = 0; row < latentSize; row++)
        {
            var values = new JsonArray();
            for (var column = 0; column < latentSize; column++)
            {
                values.Add(row == column ? 0.0025 : 0.0);
            }

            covariance.Add(values);
        }

        return new JsonObject
        {
            ["kind"] = "gaussian",
            ["fittedTo"] = "nothing: a test's identity model",
            ["components"] = new JsonArray(new JsonObject
            {
                ["weight"] = 1.0,
                ["mean"] = new JsonArray([.. Enumerable.Range(0, latentSize).Select(_ => (JsonNode?)JsonValue.Create(0.5))]),
                ["covariance"] = covariance,
            }),
        };
    }

    /// <summary>An ONNX model of one Reshape from [N, ..inputShape] to [N, ..outputShape].</summary>
    private static byte[] Reshape(string graphName, string input, long[] inputShape, string output, long[] outputShape)
    {
        var graph = new GraphProto { Name = graphName };
        graph.Input.Add(ValueInfo(input, inputShape));
        graph.Output.Add(ValueInfo(output, outputShape));
        var target = new TensorProto { Name = "shape", DataType = Int64Type };
        target.Int64Data.AddRange([-1, .. outputShape]);
        target.Dims.Add(outputShape.Length + 1);
        graph.Initializer.Add(target);
        graph.Node.Add(new NodeProto { OpType = "Reshape", Name = "reshape", Input = { input, "shape" }, Output = { output } });
        var model = new ModelProto { IrVersion = 8, ProducerName = "tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    private static ValueInfoProto ValueInfo(string name, long[] shape)
    {
        var tensorShape = new TensorShapeProto();
        tensorShape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (var length in shape)
        {
            tensorShape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = length });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = tensorShape } },
        };
    }
}
