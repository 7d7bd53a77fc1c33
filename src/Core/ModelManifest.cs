using System.Text.Json;
using System.Text.Json.Serialization;

namespace Autoencoder.Core;

/// <summary>
/// Everything a consumer of a trained model must know, written by the trainer as model.json beside
/// encoder.onnx and decoder.onnx. The API reads image size, latent size and the tensor contract from
/// here and nowhere else.
/// </summary>
public sealed record ModelManifest
{
    public const string FileName = "model.json";
    public const string EncoderFileName = "encoder.onnx";
    public const string DecoderFileName = "decoder.onnx";
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string Name { get; init; }

    public required ArchitectureInfo Architecture { get; init; }

    public required ImageShape Image { get; init; }

    public required int LatentSize { get; init; }

    public required TensorContract Contract { get; init; }

    public required RecipeInfo Recipe { get; init; }

    public required DatasetInfo Dataset { get; init; }

    public required TrainingInfo Training { get; init; }

    public required MetricsInfo Metrics { get; init; }

    /// <summary>Per-image reconstruction error (MSE, [0,1] units) on the held-out validation images: where a new image's error falls.</summary>
    public ReconstructionErrors? ReconstructionErrors { get; init; }

    public required ProvenanceInfo Provenance { get; init; }

    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ModelManifest FromJson(string json) =>
        JsonSerializer.Deserialize<ModelManifest>(json, JsonOptions)
        ?? throw new JsonException("model.json is empty");

    public static ModelManifest Load(string path) => FromJson(File.ReadAllText(path));
}

/// <summary>The network's shape, enough to rebuild it.</summary>
public sealed record ArchitectureInfo(
    string Kind,
    IReadOnlyList<int> EncoderLayerSizes,
    string HiddenActivation,
    string LatentActivation,
    string OutputActivation);

/// <summary>Channels x height x width of the images the model takes and produces.</summary>
public sealed record ImageShape(int Channels, int Height, int Width)
{
    public static ImageShape Mnist { get; } = new(1, 28, 28);

    [JsonIgnore]
    public int PixelCount => Channels * Height * Width;
}

/// <summary>
/// The tensor contract the two ONNX files honour, whatever recipe trained them: images are float32
/// NCHW in [0,1] with white ink (1) on black (0), latents float32 [N, LatentSize]; N is dynamic.
/// </summary>
public sealed record TensorContract(
    string EncoderInput,
    string EncoderOutput,
    string DecoderInput,
    string DecoderOutput,
    string Layout,
    float PixelMin,
    float PixelMax,
    string Polarity)
{
    public static TensorContract Standard { get; } = new(
        EncoderInput: "image",
        EncoderOutput: "latent",
        DecoderInput: "latent",
        DecoderOutput: "image",
        Layout: "NCHW",
        PixelMin: 0f,
        PixelMax: 1f,
        Polarity: "white ink (1) on black (0)");
}

/// <summary>The recipe's hyper-parameters, for the record.</summary>
public sealed record RecipeInfo(
    string Name,
    string Loss,
    string InputScale,
    string Optimizer,
    double LearningRate,
    double WeightDecay,
    string Schedule,
    int BatchSize,
    int Epochs,
    string Augmentation);

/// <summary>What the model was trained and validated on.</summary>
public sealed record DatasetInfo(string Name, int TrainImages, int ValidationImages, string ValidationSplit);

/// <summary>How the run went.</summary>
public sealed record TrainingInfo(
    int Seed,
    int EpochsRun,
    int BestEpoch,
    double Seconds,
    string Device,
    int Threads,
    bool Interrupted);

/// <summary>Mean squared error per pixel, in [0,1] units and in 0..255 (pixel^2) units.</summary>
public sealed record MeanSquaredError(double Unit, double Pixel2)
{
    public static MeanSquaredError FromUnit(double unit) => new(unit, unit * 255.0 * 255.0);
}

/// <summary>Train and validation error at the last epoch run and at the best (exported) epoch.</summary>
public sealed record MetricsInfo(
    MeanSquaredError FinalTrain,
    MeanSquaredError FinalValidation,
    MeanSquaredError BestTrain,
    MeanSquaredError BestValidation);

/// <summary>Who made the files, when and with what.</summary>
public sealed record ProvenanceInfo(
    string Producer,
    string CreatedUtc,
    int OnnxOpset,
    IReadOnlyDictionary<string, string> Libraries);

/// <summary>The distribution of per-image reconstruction MSE over a split: its mean and the 0th..100th percentiles (101 values).</summary>
public sealed record ReconstructionErrors(string Split, int Images, double Mean, IReadOnlyList<double> Percentiles);
