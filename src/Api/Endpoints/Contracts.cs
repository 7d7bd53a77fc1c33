using System.Text.Json.Serialization;
using Autoencoder.Api.Inference;
using Autoencoder.Core;

namespace Autoencoder.Api.Endpoints;

/// <summary>An image's latent vector.</summary>
/// <param name="Model">The model that encoded it.</param>
/// <param name="Latent">The latent vector (model.json's latentSize numbers).</param>
public sealed record EncodeResponse(string Model, float[] Latent);

/// <summary>A latent vector to decode.</summary>
/// <param name="Latent">Exactly the model's latentSize finite numbers (20 for the bundled MNIST model).</param>
public sealed record DecodeRequest(float[]? Latent);

/// <summary>A decoded image as numbers.</summary>
/// <param name="Model">The model that decoded it.</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Channels">1 (gray) or 3 (colour, planes in the order of the model's image.channelOrder, RGB by default).</param>
/// <param name="Pixels">Values in [0,1], channels x height x width, each plane row-major; for gray, white ink (1) on black (0).</param>
public sealed record DecodeResponse(string Model, int Width, int Height, int Channels, float[] Pixels);

/// <summary>Many decoded images as numbers.</summary>
/// <param name="Model">The model that decoded them.</param>
/// <param name="Count">How many images.</param>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Channels">1 (gray) or 3 (colour).</param>
/// <param name="Images">Each image's values in [0,1], channels x height x width, in the order of the latents.</param>
public sealed record BulkDecodeResponse(string Model, int Count, int Width, int Height, int Channels, float[][] Images);

/// <summary>An image's reconstruction.</summary>
/// <param name="Model">The model used.</param>
/// <param name="Latent">The latent vector of the (preprocessed) input.</param>
/// <param name="Image">The reconstruction as a base64-encoded 8-bit PNG (gray, or RGB for a colour model).</param>
/// <param name="MeanSquaredError">Mean squared error per pixel between the model's input and its reconstruction, in [0,1] units.</param>
/// <param name="Percentile">Share (percent) of the model's validation images that it reconstructed better; null if the model records none.</param>
/// <param name="Input">The image as the model saw it (after preprocessing) as a base64-encoded 8-bit PNG (gray, or RGB for a colour model).</param>
public sealed record ReconstructResponse(string Model, float[] Latent, string Image, double MeanSquaredError, double? Percentile, string Input);

/// <summary>An image's denoising.</summary>
/// <param name="Model">The model used.</param>
/// <param name="Image">The model's output, the cleaned image, as a base64-encoded 8-bit PNG (gray, or RGB for a colour model).</param>
/// <param name="Input">The uploaded image as the model takes it (after preprocessing, before any ?noise=), as a base64-encoded 8-bit PNG (gray, or RGB for a colour model).</param>
/// <param name="Noise">With ?noise=: the noise added to the input, as ?noise= takes it ("gaussian:0.3"); else null.</param>
/// <param name="Seed">With ?noise=: the seed of that noise (also in the Noise-Seed header); the same seed gives the same noise.</param>
/// <param name="Noisy">With ?noise=: the input with the noise added, exactly what the model denoised (base64 PNG).</param>
/// <param name="NoisyPsnr">With ?noise=: the noisy image's PSNR against the input, in dB on [0,1] pixels (10 log10(1 / MSE)); null if the two are identical.</param>
/// <param name="DenoisedPsnr">With ?noise=: the model output's PSNR against the input, in dB; higher than NoisyPsnr when the model removed noise.</param>
public sealed record DenoiseResponse(string Model, string Image, string Input, string? Noise, int? Seed, string? Noisy, double? NoisyPsnr, double? DenoisedPsnr);

/// <summary>How unusual an image is to the model.</summary>
/// <param name="Model">The model used.</param>
/// <param name="MeanSquaredError">Reconstruction error: mean squared error per pixel between the model's input and its reconstruction, in [0,1] units.</param>
/// <param name="Percentile">Share (percent) of the model's validation images that it reconstructed better; null if the model records none.</param>
/// <param name="Threshold">The error above which an image is unusual: ?threshold=, else the validation images' 99th percentile.</param>
/// <param name="Unusual">Whether the error is above the threshold.</param>
/// <param name="Novelty">For a model whose model.json has a scorer: the combined novelty score, its percentile among held-out normal images, the verdict and each component; absent otherwise.</param>
public sealed record ScoreResponse(
    string Model,
    double MeanSquaredError,
    double? Percentile,
    double Threshold,
    bool Unusual,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] NoveltyVerdict? Novelty = null);

/// <summary>How unusual each image of an IDX file is to the model.</summary>
/// <param name="Model">The model used.</param>
/// <param name="Count">How many images.</param>
/// <param name="Threshold">The error above which an image is unusual.</param>
/// <param name="UnusualCount">How many images are above the threshold.</param>
/// <param name="MeanSquaredErrors">Each image's reconstruction error, in file order.</param>
/// <param name="Percentiles">Each error's percentile among the validation images (null if the model records none).</param>
/// <param name="Unusual">Each image's verdict.</param>
/// <param name="Novelty">For a model whose model.json has a scorer: each image's combined novelty score (raw, for an ROC curve), its percentile among held-out normal images, its verdict and each component, one array per field; the threshold and how many images are above it. Absent otherwise.</param>
public sealed record BulkScoreResponse(
    string Model,
    int Count,
    double Threshold,
    int UnusualCount,
    double[] MeanSquaredErrors,
    double?[] Percentiles,
    bool[] Unusual,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BulkNoveltyVerdict? Novelty = null);

/// <summary>Decodings of blends of two images' latents.</summary>
/// <param name="Model">The model used.</param>
/// <param name="Weights">Blend weights w: each latent is (1 - w) * first + w * second.</param>
/// <param name="Latents">The blended latent of each step.</param>
/// <param name="Frames">Each step's decoding as a base64-encoded PNG.</param>
/// <param name="First">The first image as the model saw it (base64 PNG).</param>
/// <param name="Second">The second image as the model saw it (base64 PNG).</param>
public sealed record InterpolateResponse(string Model, float[] Weights, float[][] Latents, string[] Frames, string First, string Second);

/// <summary>Images generated from codes drawn from a model's latent prior.</summary>
/// <param name="Model">The model whose prior and decoder made them.</param>
/// <param name="Seed">The seed of the draws (also in the Generate-Seed header): the same seed, count and temperature give the same answer.</param>
/// <param name="Temperature">How far the draws were spread around their components' means: 0 the means, 1 the prior itself.</param>
/// <param name="Count">How many images.</param>
/// <param name="Latents">Each image's code, in the order of the images; /decode gives the image back.</param>
/// <param name="Images">Each image as a base64-encoded 8-bit PNG (gray, or RGB for a colour model).</param>
public sealed record GenerateResponse(string Model, int Seed, double Temperature, int Count, float[][] Latents, string[] Images);

/// <summary>A model's latent prior, what POST /generate samples from.</summary>
/// <param name="Kind">"standard-normal" (a variational autoencoder's N(0, I)), "gaussian" (one Gaussian fitted to the training images' codes) or "gaussian-mixture".</param>
/// <param name="Components">How many Gaussians it mixes; 1 unless a mixture.</param>
/// <param name="FittedTo">What it was fitted to ("codes of the 54,000 training images"); null for N(0, I).</param>
public sealed record PriorInfo(string Kind, int Components, string? FittedTo);

/// <summary>A served model.</summary>
/// <param name="Name">What ?model= takes.</param>
/// <param name="IsDefault">Whether requests without ?model= use it.</param>
/// <param name="Architecture">Network kind, layer sizes and activations.</param>
/// <param name="LatentSize">Length of a latent vector.</param>
/// <param name="Image">Channels, height and width of the images it takes and gives.</param>
/// <param name="ImageHandling">How uploads are prepared for it: mnist-digit, fit or none.</param>
/// <param name="Dataset">What it was trained, validated and tested on.</param>
/// <param name="TestMeanSquaredError">The exported model's error on the test split.</param>
/// <param name="ValidationErrors">Its per-image errors on the held-out validation images (mean and percentiles), which /score places a new error among; null if not recorded.</param>
/// <param name="Contract">Tensor names, layout and pixel range of the ONNX files.</param>
/// <param name="Recipe">How it was trained.</param>
/// <param name="ExecutionProvider">Where it runs: CUDAExecutionProvider or CPUExecutionProvider.</param>
/// <param name="FallbackReason">Why it runs on CPU although CUDA was allowed, if so.</param>
/// <param name="HasLatentMap">Whether GET /models/{name}/latent-map has a map for it.</param>
/// <param name="Noise">For a denoiser, the noise it was trained to remove ("gaussian:0-0.5"): POST /denoise chooses it for its data set. Null for a plain autoencoder.</param>
/// <param name="Prior">The latent prior POST /generate samples from; null for a model whose model.json has none (it cannot generate).</param>
/// <param name="Version">The version described, the one requests without ?version= get unless one was asked for: the newest served.</param>
/// <param name="Versions">Every version served, oldest first; ?version= takes any of them.</param>
public sealed record ModelInfo(
    string Name,
    bool IsDefault,
    ArchitectureInfo Architecture,
    int LatentSize,
    ImageShape Image,
    string ImageHandling,
    DatasetInfo Dataset,
    MeanSquaredError TestMeanSquaredError,
    ReconstructionErrors? ValidationErrors,
    TensorContract Contract,
    RecipeInfo Recipe,
    string ExecutionProvider,
    string? FallbackReason,
    bool HasLatentMap,
    string[]? Noise,
    PriorInfo? Prior,
    long Version,
    IReadOnlyList<long> Versions);

/// <summary>A model's latent space in 2-D: a point (x, y) stands for the latent Mean + x * Components[0] + y * Components[1].</summary>
/// <param name="Model">The model whose encoder placed the images.</param>
/// <param name="Dataset">The images the points come from, e.g. "mnist t10k".</param>
/// <param name="FittedImages">How many images the projection was fitted on.</param>
/// <param name="Mean">The mean latent (latentSize numbers).</param>
/// <param name="Components">The two principal components, each latentSize numbers of unit length.</param>
/// <param name="ExplainedVariance">The share of the latents' variance along each component, in [0,1].</param>
/// <param name="Points">Test images on the map, with their labels.</param>
/// <param name="Examples">A few test images (the first of each label) as base64 PNG, to start from.</param>
public sealed record LatentMapResponse(
    string Model, string Dataset, int FittedImages, float[] Mean, float[][] Components, double[] ExplainedVariance, LatentMapPoint[] Points, LatentMapExample[] Examples);
