using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace Autoencoder.Training.Export;

/// <summary>Accumulates the nodes, weights and signature of one ONNX graph.</summary>
internal sealed class OnnxGraphBuilder(string graphName)
{
    /// <summary>The name given to the dynamic batch dimension in the signature.</summary>
    public const string BatchDimension = "N";

    private const int FloatType = (int)TensorProto.Types.DataType.Float;
    private const int Int64Type = (int)TensorProto.Types.DataType.Int64;

    private readonly GraphProto graph = new() { Name = graphName };
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> published = new(StringComparer.Ordinal);

    public GraphProto Graph => graph;

    /// <summary>Values a layer gave a name to, beside the one it returns (see <see cref="OnnxSignature.SideOutputs"/>).</summary>
    public IReadOnlyDictionary<string, string> Published => published;

    /// <summary>Declares a float32 graph input or output; a null dimension is the dynamic batch.</summary>
    public void Input(string name, IReadOnlyList<long?> shape) => graph.Input.Add(ValueInfo(name, shape));

    public void Output(string name, IReadOnlyList<long?> shape) => graph.Output.Add(ValueInfo(name, shape));

    /// <summary>Stores a weight tensor (float32) as an initializer and returns its name.</summary>
    public string Weight(string name, Tensor tensor)
    {
        using var contiguous = tensor.detach().cpu().to_type(ScalarType.Float32).contiguous();
        var values = contiguous.data<float>().ToArray();
        var proto = new TensorProto { Name = Unique(name), DataType = FloatType };
        proto.Dims.AddRange(contiguous.shape);
        proto.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>Stores a float32 scalar as an initializer and returns its name.</summary>
    public string Scalar(string name, float value)
    {
        var proto = new TensorProto { Name = Unique(name), DataType = FloatType };
        proto.FloatData.Add(value);
        graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>Stores an int64 vector (e.g. a target shape) as an initializer and returns its name.</summary>
    public string Int64s(string name, IEnumerable<long> values)
    {
        var proto = new TensorProto { Name = Unique(name), DataType = Int64Type };
        proto.Int64Data.AddRange(values);
        proto.Dims.Add(proto.Int64Data.Count);
        graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>Adds a node and returns the name of its (single) output.</summary>
    public string Node(string opType, string name, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Unique(name) };
        node.Input.AddRange(inputs);
        node.Output.Add(node.Name + ".out");
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return node.Output[0];
    }

    /// <summary>Names a value that the graph may give as an output of that name.</summary>
    public void Publish(string name, string value)
    {
        if (!published.TryAdd(name, value))
        {
            throw new NotSupportedException($"two layers compute '{name}'");
        }
    }

    /// <summary>Makes the value <paramref name="current"/> available under the graph output name <paramref name="output"/>.</summary>
    public void Rename(string current, string output)
    {
        var producer = graph.Node.LastOrDefault(node => node.Output.Contains(current));
        if (producer is null || graph.Node.Any(node => node.Input.Contains(current)))
        {
            Node("Identity", output, [current]);
            graph.Node[^1].Output[0] = output;
            return;
        }

        producer.Output[producer.Output.IndexOf(current)] = output;
    }

    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto IntsAttribute(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private string Unique(string name)
    {
        var candidate = name;
        for (var i = 1; !names.Add(candidate); i++)
        {
            candidate = $"{name}_{i}";
        }

        return candidate;
    }

    private static ValueInfoProto ValueInfo(string name, IReadOnlyList<long?> shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var dimension in shape)
        {
            tensorShape.Dim.Add(dimension is { } value
                ? new TensorShapeProto.Types.Dimension { DimValue = value }
                : new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = tensorShape } },
        };
    }
}
