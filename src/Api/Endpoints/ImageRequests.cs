using Autoencoder.Api.Http;
using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

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

    public static async Task<Ok<EncodeResponse>> EncodeAsync(
        HttpRequest request, OnnxAutoencoder model, InferenceQuery query, ImageUploads uploads, ModelImages images, AutoencoderService service, CancellationToken cancellationToken)
    {
        var input = await ReadAsync(request, model, query, uploads, images, cancellationToken);
        return TypedResults.Ok(new EncodeResponse(model.Name, await service.EncodeAsync(model, input, cancellationToken)));
    }

    public static async Task<Results<FileContentHttpResult, Ok<ReconstructResponse>>> ReconstructAsync(
        HttpRequest request, OnnxAutoencoder model, InferenceQuery query, ImageUploads uploads, ModelImages images, AutoencoderService service, CancellationToken cancellationToken)
    {
        var shape = model.Manifest.Image;
        var input = await ReadAsync(request, model, query, uploads, images, cancellationToken);
        var reconstruction = await service.ReconstructAsync(model, input, cancellationToken);
        var png = images.ToPng(reconstruction.Image, shape);
        if (!ResponseFormat.PrefersJson(request))
        {
            return TypedResults.File(png, "image/png");
        }

        var error = reconstruction.MeanSquaredError;
        return TypedResults.Ok(new ReconstructResponse(
            model.Name,
            reconstruction.Latent,
            Convert.ToBase64String(png),
            error,
            AnomalyScores.Percentile(model.Manifest, error),
            Convert.ToBase64String(images.ToPng(input, shape))));
    }

    /// <summary>The image's anomaly score as JSON, or its heat map (input, reconstruction, per-pixel error) as PNG.</summary>
    public static async Task<Results<FileContentHttpResult, Ok<ScoreResponse>>> ScoreAsync(
        HttpRequest request, OnnxAutoencoder model, double threshold, InferenceQuery query, ImageUploads uploads, ModelImages images, AutoencoderService service, CancellationToken cancellationToken)
    {
        var manifest = model.Manifest;
        var format = ResponseFormat.Require(request, "an image", ResponseFormat.Png, ResponseFormat.Json);
        var input = await ReadAsync(request, model, query, uploads, images, cancellationToken);
        var reconstruction = await service.ReconstructAsync(model, input, cancellationToken);
        if (format == ResponseFormat.Png)
        {
            return TypedResults.File(images.ToHeatMap(reconstruction.Input, reconstruction.Image, manifest.Image), "image/png");
        }

        var result = AnomalyScores.Score(manifest, reconstruction.MeanSquaredError, threshold);
        return TypedResults.Ok(new ScoreResponse(model.Name, result.MeanSquaredError, result.Percentile, result.Threshold, result.Unusual));
    }

    public static async Task<Results<FileContentHttpResult, Ok<InterpolateResponse>>> InterpolateAsync(
        HttpRequest request, OnnxAutoencoder model, int steps, InferenceQuery query, ImageUploads uploads, ModelImages images, AutoencoderService service, CancellationToken cancellationToken)
    {
        var shape = model.Manifest.Image;
        var (firstBytes, secondBytes) = await uploads.ReadTwoAsync(request, FirstField, SecondField, cancellationToken);
        var first = await images.ToModelInputAsync(firstBytes, shape, query.ImageHandlingFor(model), cancellationToken);
        var second = await images.ToModelInputAsync(secondBytes, shape, query.ImageHandlingFor(model), cancellationToken);
        var interpolation = await service.InterpolateAsync(model, first, second, steps, cancellationToken);

        if (!ResponseFormat.PrefersJson(request))
        {
            return TypedResults.File(images.ToStrip([first, .. interpolation.Frames, second], shape), "image/png");
        }

        return TypedResults.Ok(new InterpolateResponse(
            model.Name,
            interpolation.Weights,
            interpolation.Latents,
            [.. interpolation.Frames.Select(frame => Convert.ToBase64String(images.ToPng(frame, shape)))],
            Convert.ToBase64String(images.ToPng(first, shape)),
            Convert.ToBase64String(images.ToPng(second, shape))));
    }

    /// <summary>The request's one image as the model's input.</summary>
    private static async Task<float[]> ReadAsync(
        HttpRequest request, OnnxAutoencoder model, InferenceQuery query, ImageUploads uploads, ModelImages images, CancellationToken cancellationToken)
    {
        var upload = await uploads.ReadOneAsync(request, ImageField, cancellationToken);
        return await images.ToModelInputAsync(upload, model.Manifest.Image, query.ImageHandlingFor(model), cancellationToken);
    }
}
