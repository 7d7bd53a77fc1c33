using Autoencoder.Api.Inference;

namespace Autoencoder.Api.OpenInference;

/// <summary>
/// One half of a loaded autoencoder as the protocol sees it: "{name}-encoder" takes images and gives latents,
/// "{name}-decoder" the reverse. Tensor names and shapes come from the model's manifest.
/// </summary>
public sealed class ProtocolModel
{
    public const string Platform = "onnx_onnxv1";

    public const string Datatype = "FP32";

    private ProtocolModel(OnnxAutoencoder model, Stage stage, IEnumerable<long> versions)
    {
        Model = model;
        Stage = stage;
        Version = model.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Versions = [.. versions.Order().Select(version => version.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        Name = StageNames.Of(model.Name, stage);
        var contract = model.Manifest.Contract;
        var image = model.Manifest.Image;
        TensorMetadata images = new(stage == Stage.Encoder ? contract.EncoderInput : contract.DecoderOutput, Datatype, [-1, image.Channels, image.Height, image.Width]);
        TensorMetadata latents = new(stage == Stage.Encoder ? contract.EncoderOutput : contract.DecoderInput, Datatype, [-1, model.LatentSize]);
        (Input, Output) = stage == Stage.Encoder ? (images, latents) : (latents, images);
    }

    public OnnxAutoencoder Model { get; }

    /// <summary>The version this is of the model, as the protocol writes versions.</summary>
    public string Version { get; }

    /// <summary>Every version of the model served.</summary>
    public IReadOnlyList<string> Versions { get; }

    public Stage Stage { get; }

    public string Name { get; }

    public TensorMetadata Input { get; }

    public TensorMetadata Output { get; }

    /// <summary>Values per row of the input tensor (one image or one latent).</summary>
    public int InputRowSize => Stage == Stage.Encoder ? Model.PixelCount : Model.LatentSize;

    /// <summary>Values of one row of the output tensor.</summary>
    public int OutputRowSize => Stage == Stage.Encoder ? Model.LatentSize : Model.PixelCount;

    /// <summary>
    /// The protocol model named <paramref name="name"/>, at <paramref name="version"/> or its model's newest served
    /// version, or a 404 naming those there are.
    /// </summary>
    public static ProtocolModel Find(ModelRegistry registry, string name, string? version)
    {
        var (served, stage) = StageNames.Find(registry, name);
        return new ProtocolModel(StageNames.Version(served, name, version), stage, served.Versions.Keys);
    }

    public ModelMetadataResponse Metadata() => new(Name, Versions, Platform, [Input], [Output]);

    /// <summary>Runs the first <paramref name="count"/> rows of <paramref name="rows"/> through this stage, by way of the service and its batching.</summary>
    public Task<float[]> RunAsync(AutoencoderService service, float[] rows, int count, CancellationToken cancellationToken) =>
        Stage == Stage.Encoder
            ? service.EncodeManyAsync(Model, rows, count, cancellationToken)
            : service.DecodeManyAsync(Model, rows, count, cancellationToken);

    /// <summary>
    /// The first <paramref name="count"/> rows of <paramref name="rows"/> checked as the stage checks them, then run a
    /// window of <see cref="AutoencoderService.WindowRows"/> at a time, each window's output handed on in order.
    /// </summary>
    public IAsyncEnumerable<float[]> RunInWindows(AutoencoderService service, float[] rows, int count, CancellationToken cancellationToken)
    {
        var values = rows.AsSpan(0, count * InputRowSize);
        if (Stage == Stage.Encoder)
        {
            AutoencoderService.RequirePixels(Model, values);
        }
        else
        {
            AutoencoderService.RequireLatents(Model, values, InputRowSize);
        }

        var windows = AutoencoderService.Windows(rows, count, InputRowSize);
        return Stage == Stage.Encoder
            ? service.EncodePiecesAsync(Model, windows, cancellationToken)
            : service.DecodePiecesAsync(Model, windows, cancellationToken);
    }
}
