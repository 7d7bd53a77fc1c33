using Autoencoder.Api.Http;
using System.Text.Json;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Formats;
using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Autoencoder.Api.Endpoints;

/// <summary>
/// /decode's two body formats: JSON (one latent or an array of them) and a .npy matrix (Content-Type
/// application/x-npy, raw or gzip). One latent answers one image; many answer an IDX file, a PNG grid or JSON.
/// </summary>
public static class LatentRequests
{
    public static async Task<Results<FileContentHttpResult, Ok<DecodeResponse>, Ok<BulkDecodeResponse>>> DecodeJsonAsync(LatentCall call, OnnxAutoencoder model)
    {
        var (request, images, service, limits, cancellationToken) = (call.Request, call.Images, call.Service, call.Limits, call.CancellationToken);
        if (request.ContentLength == 0)
        {
            throw ClientInputException.Invalid("The body is empty; send a JSON object with a 'latent' array of numbers, or an array of such arrays.");
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(new LimitedStream(request.Body, limits.MaxJsonBodyBytes), default, cancellationToken);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            // ArgumentException: bytes that are not UTF-8 (DecoderFallbackException) before the parser sees a token.
            throw ClientInputException.Invalid($"The JSON body is not valid: {e.Message}");
        }

        using (document)
        {
            var (latents, rows, columns, isBatch) = Latents.Read(document);
            Validate(latents, rows, columns, model, limits);
            if (!isBatch)
            {
                var shape = model.Manifest.Image;
                var pixels = await service.DecodeAsync(model, latents, cancellationToken);
                return ResponseFormat.PrefersJson(request)
                    ? TypedResults.Ok(new DecodeResponse(model.Name, shape.Width, shape.Height, pixels))
                    : TypedResults.File(images.ToPng(pixels, shape), "image/png");
            }

            return Many(request, model, images, service, latents, rows, cancellationToken);
        }
    }

    public static async Task<Results<FileContentHttpResult, Ok<DecodeResponse>, Ok<BulkDecodeResponse>>> DecodeNpyAsync(LatentCall call, OnnxAutoencoder model)
    {
        var (request, images, service, limits, cancellationToken) = (call.Request, call.Images, call.Service, call.Limits, call.CancellationToken);
        var file = await RequestBodies.ReadBodyAsync(request, limits.MaxBulkBodyBytes, cancellationToken);
        var latents = Npy.ReadMatrix(file, out var rows, out var columns);
        Validate(latents, rows, columns, model, limits);
        return Many(request, model, images, service, latents, rows, cancellationToken);
    }

    /// <summary>
    /// Codes drawn from the model's latent prior and their images: one PNG grid by default, an IDX file, or JSON with
    /// the codes and each image as a PNG, as the client accepts.
    /// </summary>
    public static async Task<Results<FileContentHttpResult, Ok<GenerateResponse>>> GenerateAsync(LatentCall call, OnnxAutoencoder model, Generation generation)
    {
        var samples = await call.Service.GenerateAsync(model, generation, call.CancellationToken);
        var (count, shape, images) = (samples.Count, model.Manifest.Image, call.Images);
        return ResponseFormat.Choose(call.Request, ResponseFormat.Png, IdxImages.MediaType, ResponseFormat.Json) switch
        {
            ResponseFormat.Png => TypedResults.File(images.ToGrid(samples.Images, count, shape), ResponseFormat.Png),
            IdxImages.MediaType => TypedResults.File(IdxImages.FromModelOutput(samples.Images, count, shape), IdxImages.MediaType),
            _ => TypedResults.Ok(new GenerateResponse(
                model.Name,
                generation.Seed,
                generation.Temperature,
                count,
                [.. Rows(samples.Latents, model.LatentSize, count)],
                [.. Rows(samples.Images, shape.PixelCount, count).Select(image => Convert.ToBase64String(images.ToPng(image, shape)))])),
        };
    }

    /// <summary>Many latents' images: an IDX file, one PNG grid, or JSON, as the client accepts.</summary>
    private static Results<FileContentHttpResult, Ok<DecodeResponse>, Ok<BulkDecodeResponse>> Many(
        HttpRequest request, OnnxAutoencoder model, ImageTensors images, AutoencoderService service, float[] latents, int count, CancellationToken cancellationToken)
    {
        var shape = model.Manifest.Image;
        var decoded = service.DecodeMany(model, latents, count, cancellationToken);
        return ResponseFormat.Choose(request, IdxImages.MediaType, "image/png", ResponseFormat.Json) switch
        {
            IdxImages.MediaType => TypedResults.File(IdxImages.FromModelOutput(decoded, count, shape), IdxImages.MediaType),
            "image/png" => TypedResults.File(images.ToGrid(decoded, count, shape), "image/png"),
            _ => TypedResults.Ok(new BulkDecodeResponse(
                model.Name, count, shape.Width, shape.Height, [.. Enumerable.Range(0, count).Select(i => decoded[(i * shape.PixelCount)..((i + 1) * shape.PixelCount)])])),
        };
    }

    private static IEnumerable<float[]> Rows(float[] values, int size, int count) =>
        Enumerable.Range(0, count).Select(i => values[(i * size)..((i + 1) * size)]);

    private static void Validate(float[] latents, int rows, int columns, OnnxAutoencoder model, LimitsOptions limits)
    {
        if (rows > limits.MaxBulkImages)
        {
            throw ClientInputException.TooLarge($"{rows} latents in one request; at most {limits.MaxBulkImages}.");
        }

        AutoencoderService.RequireLatents(model, latents, columns);
    }
}
