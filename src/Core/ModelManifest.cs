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
    public const int CurrentSchemaVersion = 2;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string Name { get; init; }

    public required ArchitectureInfo Architecture { get; init; }

    public required ImageShape Image { get; init; }

    /// <summary>How the API turns an uploaded picture into this model's input.</summary>
    public required ImageHandling ImageHandling { get; init; }

    public required int LatentSize { get; init; }

    public required TensorContract Contract { get; init; }

    public required RecipeInfo Recipe { get; init; }

    public required DatasetInfo Dataset { get; init; }

    public required TrainingInfo Training { get; init; }

    public required MetricsInfo Metrics { get; init; }

    public required ProvenanceInfo Provenance { get; init; }

    /// <summary>Per-image reconstruction error (MSE, [0,1] units) on the held-out validation images: where a new image's error falls.</summary>
    public ReconstructionErrors? ReconstructionErrors { get; init; }

    /// <summary>
    /// For a denoiser: the noise it was trained to remove, each image corrupted by one of these, and the clean image the
    /// target. Null for a plain autoencoder.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Noise>? Noise { get; init; }

    /// <summary>
    /// Where the model's codes lie, what generation samples from: N(0, I) for a variational autoencoder, a Gaussian (or a
    /// few) fitted to the training images' codes for a plain one. Null for a model written before priors were recorded.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LatentPrior? Prior { get; init; }

    /// <summary>
    /// How to score novelty beyond the reconstruction error (terms, weights, normalisations and the combined score's
    /// percentiles on held-out normal images). Null for a model written before scorers were recorded: it is scored by
    /// its reconstruction error alone.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ScorerCalibration? Scorer { get; init; }

    /// <summary>For a variational autoencoder: its encoder's second output and the evidence lower bound it reached. Null otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public VariationalInfo? Variational { get; init; }

    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // ImageHandling's own converter first: the general enum converter would win over the type's attribute.
        Converters = { new ImageHandlingJsonConverter(), new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ModelManifest FromJson(string json) =>
        JsonSerializer.Deserialize<ModelManifest>(json, JsonOptions)
        ?? throw new JsonException("model.json is empty");

    /// <summary>
    /// Reads and checks a model.json: the one loader of every program that uses a model folder. What is wrong is a
    /// <see cref="ModelManifestException"/> that names the file.
    /// </summary>
    public static ModelManifest Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelManifestException(path, "file not found");
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Checks a model.json's text as <see cref="Load"/> does; what is wrong names <paramref name="path"/>.</summary>
    public static ModelManifest Parse(string json, string path)
    {
        ModelManifest manifest;
        try
        {
            manifest = FromJson(json);
        }
        catch (JsonException e)
        {
            throw new ModelManifestException(path, $"not a valid model.json ({e.Message})");
        }

        if (manifest.ReconstructionErrors is { Percentiles.Count: not ReconstructionErrors.PercentileCount } errors)
        {
            throw new ModelManifestException(path, $"reconstructionErrors.percentiles must hold the 0th to 100th percentiles (101 numbers), not {errors.Percentiles.Count}");
        }

        if (manifest.Prior is { } prior && prior.Problem(manifest.LatentSize) is { } priorProblem)
        {
            throw new ModelManifestException(path, priorProblem);
        }

        if (manifest.Scorer is { } scorer && scorer.Problem(manifest.Image, manifest.Prior, manifest.LatentSize) is { } scorerProblem)
        {
            throw new ModelManifestException(path, scorerProblem);
        }

        return manifest;
    }
}

/// <summary>A model.json that is missing or not what it must be; the message names the file and the problem.</summary>
public sealed class ModelManifestException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string FilePath { get; } = path;

    public string Problem { get; } = problem;
}

/// <summary>The network's shape, enough to rebuild it: the layer sizes of a fully connected one, the stages of a convolutional one.</summary>
public sealed record ArchitectureInfo
{
    /// <summary>"fc" or "conv".</summary>
    public required string Kind { get; init; }

    /// <summary>fc: pixels, hidden and latent sizes of the encoder (the decoder mirrors them).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<int>? EncoderLayerSizes { get; init; }

    /// <summary>conv: output channels of each encoder stage; each stage halves height and width.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<int>? ConvolutionChannels { get; init; }

    /// <summary>conv: 3x3 convolutions in each stage, the last of them strided.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? ConvolutionsPerStage { get; init; }

    public required string HiddenActivation { get; init; }

    public required string LatentActivation { get; init; }

    public required string OutputActivation { get; init; }

    /// <summary>Trainable parameters of encoder and decoder together.</summary>
    public long Parameters { get; init; }
}

/// <summary>
/// Channels x height x width of the images the model takes and produces. One channel is gray; three are colour, planes
/// in the order <see cref="ChannelOrder"/> names (red, green, blue unless it says otherwise).
/// </summary>
public sealed record ImageShape(int Channels, int Height, int Width)
{
    public const string Rgb = "RGB";
    public const string Bgr = "BGR";

    public static ImageShape Mnist { get; } = new(1, 28, 28);

    /// <summary>
    /// For three channels, which colour each plane of the C x H x W tensor holds: "RGB" (the default when absent) or
    /// "BGR". Absent for one channel.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ChannelOrder { get; init; }

    [JsonIgnore]
    public int PixelCount => Channels * Height * Width;

    /// <summary>Pixels of one plane (one channel).</summary>
    [JsonIgnore]
    public int PlaneSize => Height * Width;

    [JsonIgnore]
    public bool IsColour => Channels == 3;
}

/// <summary>
/// The tensor contract the two ONNX files honour, whatever recipe trained them: images are float32
/// NCHW in [0,1], gray ones with white ink (1) on black (0), colour ones red, green and blue as they show; latents
/// float32 [N, LatentSize]; N is dynamic.
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

    /// <summary>The contract of a model of <paramref name="image"/>'s shape: <see cref="Standard"/>, and for colour its own polarity.</summary>
    public static TensorContract For(ImageShape image) =>
        image.IsColour ? Standard with { Polarity = "red, green and blue as the image shows them, each 1 at full intensity" } : Standard;
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

/// <summary>
/// What the model was trained on, which images chose its best epoch (validation: held out of the training images,
/// never the test split), and which images its test error was measured on.
/// </summary>
public sealed record DatasetInfo(
    string Name,
    int TrainImages,
    int ValidationImages,
    string ValidationSplit,
    int TestImages,
    string TestSplit)
{
    /// <summary>The classes the model was trained (and tested) on, when only some (train --classes); null: all.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? Classes { get; init; }
}

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

/// <summary>
/// Train and validation error at the last epoch run and at the best (exported) epoch, and the exported model's
/// error on the test split, measured once after training. A plain autoencoder's errors are of each image against
/// itself (<paramref name="Inputs"/> null). A denoiser's are of its outputs for noisy inputs against the clean images,
/// as <paramref name="Inputs"/> says, and <paramref name="NoisyTestInput"/> is the error of those noisy test inputs
/// themselves: what the model has to improve on.
/// </summary>
public sealed record MetricsInfo(
    MeanSquaredError FinalTrain,
    MeanSquaredError FinalValidation,
    MeanSquaredError BestTrain,
    MeanSquaredError BestValidation,
    MeanSquaredError Test,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Inputs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MeanSquaredError? NoisyTestInput = null);

/// <summary>The distribution of per-image reconstruction MSE over a split: its mean and the 0th..100th percentiles (101 values).</summary>
public sealed record ReconstructionErrors(string Split, int Images, double Mean, IReadOnlyList<double> Percentiles)
{
    public const int PercentileCount = 101;

    /// <summary>Which percentile is the default anomaly threshold: one validation image in a hundred is above it.</summary>
    public const int DefaultThresholdPercentile = 99;

    /// <summary>The error above which an image is unusual unless a caller says otherwise.</summary>
    [JsonIgnore]
    public double DefaultThreshold => Percentiles[DefaultThresholdPercentile];
}

/// <summary>Who made the files, when and with what.</summary>
public sealed record ProvenanceInfo(
    string Producer,
    string CreatedUtc,
    int OnnxOpset,
    IReadOnlyDictionary<string, string> Libraries);

/// <summary>
/// What a variational autoencoder adds to the contract and the record: the encoder's log-variance output (beside the
/// mean, which is <see cref="TensorContract.EncoderOutput"/>), the negative evidence lower bound on the test split in nats
/// per image, how pixels entered the likelihood, and the KL warm-up.
/// </summary>
public sealed record VariationalInfo(
    string LogVarianceOutput,
    double TestNegativeElbo,
    double TestReconstructionNats,
    double TestKlNats,
    string Pixels,
    int KlWarmupEpochs);
