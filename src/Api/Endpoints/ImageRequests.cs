using Autoencoder.Api.Http;
using Autoencoder.Api.Inference;
using Autoencoder.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Autoencoder.Api.Endpoints;

/// <summary>
/// Requests that carry images (multipart/form-data fields, or one image as the raw body): each is prepared as its
/// model's model.json says, run, and answered as PNG or, with Accept: application/json, as JSON.
/// </summary>
public static class ImageRequests
{
    public const string ImageField = "image";
    public const string FirstField = "first";
    public const string SecondField = "second";

    public static async Task<Ok<EncodeResponse>> EncodeAsync(ImageCall call, OnnxAutoencoder model)
    {
        var input = await ReadAsync(call, model);
        return TypedResults.Ok(new EncodeResponse(model.Name, await call.Service.EncodeAsync(model, input, call.CancellationToken)));
    }

    /// <summary>POST /reconstruct.</summary>
    public static async Task<Results<FileContentHttpResult, Ok<ReconstructResponse>>> Reconstruct([AsParameters] ImageCall call)
    {
        var model = call.ResolveModel();
        var shape = model.Manifest.Image;
        var input = await ReadAsync(call, model);
        var reconstruction = await call.Service.ReconstructAsync(model, input, call.CancellationToken);
        var png = call.Images.ToPng(reconstruction.Image, shape);
        if (!ResponseFormat.PrefersJson(call.Request))
        {
            return TypedResults.File(png, ResponseFormat.Png);
        }

        var error = reconstruction.MeanSquaredError;
        return TypedResults.Ok(new ReconstructResponse(
            model.Name,
            reconstruction.Latent,
            Convert.ToBase64String(png),
            error,
            AnomalyScores.Percentile(model.Manifest, error),
            Convert.ToBase64String(call.Images.ToPng(input, shape))));
    }

    /// <summary>
    /// The image cleaned by the model: PNG, or JSON with the model's input; with added noise, the noisy image and both
    /// images' PSNR against the clean input too.
    /// </summary>
    public static async Task<Results<FileContentHttpResult, Ok<DenoiseResponse>, PushStreamHttpResult>> DenoiseAsync(ImageCall call, OnnxAutoencoder model, AddedNoise? noise)
    {
        var shape = model.Manifest.Image;
        var clean = await ReadAsync(call, model);
        var input = clean;
        if (noise is not null)
        {
            input = [.. clean];
            noise.Apply(input, model.PixelCount);
        }

        var denoised = (await call.Service.ReconstructAsync(model, input, call.CancellationToken)).Image;
        var png = call.Images.ToPng(denoised, shape);
        if (!ResponseFormat.PrefersJson(call.Request))
        {
            return TypedResults.File(png, ResponseFormat.Png);
        }

        return TypedResults.Ok(new DenoiseResponse(
            model.Name,
            Convert.ToBase64String(png),
            Convert.ToBase64String(call.Images.ToPng(clean, shape)),
            noise?.Noise.ToString(),
            noise?.Seed,
            noise is null ? null : Convert.ToBase64String(call.Images.ToPng(input, shape)),
            noise is null ? null : Finite(PixelValues.PeakSignalToNoiseRatio(clean, input)),
            noise is null ? null : Finite(PixelValues.PeakSignalToNoiseRatio(clean, denoised))));
    }

    /// <summary>The image's anomaly score.</summary>
    public static async Task<Ok<ScoreResponse>> ScoreAsync(ImageCall call, OnnxAutoencoder model, double threshold)
    {
        var input = await ReadAsync(call, model);
        var reconstruction = await call.Service.ReconstructAsync(model, input, call.CancellationToken);
        var result = AnomalyScores.Score(model.Manifest, reconstruction.MeanSquaredError, threshold);
        return TypedResults.Ok(new ScoreResponse(model.Name, result.MeanSquaredError, result.Percentile, result.Threshold, result.Unusual));
    }

    /// <summary>The image's heat map: input, reconstruction and per-pixel error side by side.</summary>
    public static async Task<FileContentHttpResult> HeatMapAsync(ImageCall call, OnnxAutoencoder model)
    {
        var input = await ReadAsync(call, model);
        var reconstruction = await call.Service.ReconstructAsync(model, input, call.CancellationToken);
        return TypedResults.File(call.Images.ToHeatMap(reconstruction.Input, reconstruction.Image, model.Manifest.Image), ResponseFormat.Png);
    }

    /// <summary>POST /interpolate.</summary>
    /// <param name="call">The request, its model and the services.</param>
    /// <param name="steps">How many blends between the two images, 1 to 64 (default 6).</param>
    public static async Task<Results<FileContentHttpResult, Ok<InterpolateResponse>>> Interpolate([AsParameters] ImageCall call, [FromQuery(Name = "steps")] string? steps)
    {
        var model = call.ResolveModel();
        var count = ParseSteps(steps);
        call.Reserve(AnswerMemory.Interpolation(model, count), $"An interpolation of {count} steps");
        var shape = model.Manifest.Image;
        var (firstBytes, secondBytes) = await call.Uploads.ReadTwoAsync(call.Request, FirstField, SecondField, call.CancellationToken);
        var first = await call.Images.ToModelInputAsync(firstBytes, shape, call.ImageHandlingFor(model), call.CancellationToken);
        var second = await call.Images.ToModelInputAsync(secondBytes, shape, call.ImageHandlingFor(model), call.CancellationToken);
        var interpolation = await call.Service.InterpolateAsync(model, first, second, count, call.CancellationToken);

        if (!ResponseFormat.PrefersJson(call.Request))
        {
            return TypedResults.File(call.Images.ToStrip([first, .. interpolation.Frames, second], shape), ResponseFormat.Png);
        }

        return TypedResults.Ok(new InterpolateResponse(
            model.Name,
            interpolation.Weights,
            interpolation.Latents,
            [.. interpolation.Frames.Select(frame => Convert.ToBase64String(call.Images.ToPng(frame, shape)))],
            Convert.ToBase64String(call.Images.ToPng(first, shape)),
            Convert.ToBase64String(call.Images.ToPng(second, shape))));
    }

    /// <summary>JSON has no infinity: identical images' PSNR is null.</summary>
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    /// <summary>Steps arrive as text so that "abc" gets the same clear message as 0 or 65.</summary>
    private static int ParseSteps(string? steps) =>
        steps is null
            ? 6
            : AutoencoderService.RequireSteps(int.TryParse(steps, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : -1);

    /// <summary>The request's one image as the model's input.</summary>
    private static async Task<float[]> ReadAsync(ImageCall call, OnnxAutoencoder model)
    {
        var upload = await call.Uploads.ReadOneAsync(call.Request, ImageField, call.CancellationToken);
        return await call.Images.ToModelInputAsync(upload, model.Manifest.Image, call.ImageHandlingFor(model), call.CancellationToken);
    }
}
