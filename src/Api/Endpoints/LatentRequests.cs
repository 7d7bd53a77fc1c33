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
    public static async Task<Results<FileContentHttpResult, Ok<DecodeResponse>, PushStreamHttpResult>> DecodeJsonAsync(LatentCall call, OnnxAutoencoder model)
    {
        var (request, images, service, limits, cancellationToken) = (call.Request, call.Images, call.Service, call.Limits, call.CancellationToken);
        if (request.ContentLength == 0)
        {
            throw ClientInputException.Invalid("The body is empty; send a JSON object with a 'latent' array of numbers, or an array of such arrays.");
        }

        // The parsed document and the latents read from it hold a few times the body.
        call.Reserve(4 * AnswerMemory.Body(request, limits.MaxJsonBodyBytes), "A JSON body of latents");
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

            return Many(call, model, latents, rows);
        }
    }

    public static async Task<Results<FileContentHttpResult, Ok<DecodeResponse>, PushStreamHttpResult>> DecodeNpyAsync(LatentCall call, OnnxAutoencoder model)
    {
        var (request, limits, cancellationToken) = (call.Request, call.Limits, call.CancellationToken);

        // The body as read, and its latents as floats: as large again, or twice for a float64 matrix's half.
        call.Reserve(2 * AnswerMemory.Body(request, limits.MaxBulkBodyBytes), "A .npy body of latents");
        var file = await RequestBodies.ReadBodyAsync(request, limits.MaxBulkBodyBytes, cancellationToken);
        var latents = Npy.ReadMatrix(file, out var rows, out var columns);
        Validate(latents, rows, columns, model, limits);
        return Many(call, model, latents, rows);
    }

    /// <summary>
    /// Codes drawn from the model's latent prior and their images: one PNG grid by default, an IDX file, or JSON with
    /// the codes and each image as a PNG, as the client accepts. Written as they are made, a window at a time: the
    /// codes are drawn a window at a time too, so whatever the count, the answer holds one window (and one band of a
    /// grid).
    /// </summary>
    public static PushStreamHttpResult Generate(LatentCall call, OnnxAutoencoder model, Generation generation)
    {
        var sampler = Generation.SamplerOf(model);
        var (count, shape, images, service) = (generation.Count, model.Manifest.Image, call.Images, call.Service);
        IEnumerable<float[]> Codes() => sampler.SampleInPieces(count, generation.Seed, generation.Temperature, AutoencoderService.WindowRows);
        IAsyncEnumerable<float[]> Images(CancellationToken cancellationToken) => service.DecodePiecesAsync(model, Codes(), cancellationToken);
        var format = ResponseFormat.Choose(call.Request, ResponseFormat.Png, IdxImages.MediaType, ResponseFormat.Json);
        var columns = ImageTensors.GridColumns(count);
        call.Reserve(
            AnswerMemory.Window(model, count) + (format == ResponseFormat.Png ? AnswerMemory.GridBand(shape, columns) : 0),
            $"Generating {count} images");
        return TypedResults.Stream(
            output => format switch
            {
                ResponseFormat.Png => images.WriteGridAsync(output, Images(call.CancellationToken), count, shape, call.CancellationToken),
                IdxImages.MediaType => IdxImages.WriteAsync(output, Images(call.CancellationToken), count, shape, call.CancellationToken),
                _ => StreamedJson.WriteGeneratedAsync(
                    output,
                    model.Name,
                    generation.Seed,
                    generation.Temperature,
                    count,
                    model.LatentSize,
                    Codes(),
                    Images(call.CancellationToken),
                    (piece, start) => images.ToPng(piece.AsSpan(start, shape.PixelCount), shape),
                    shape.PixelCount,
                    call.CancellationToken),
            },
            format);
    }

    /// <summary>
    /// Many latents' images: an IDX file, one PNG grid, or JSON, as the client accepts, written as they are decoded a
    /// window at a time.
    /// </summary>
    private static PushStreamHttpResult Many(LatentCall call, OnnxAutoencoder model, float[] latents, int count)
    {
        var (shape, images, service) = (model.Manifest.Image, call.Images, call.Service);
        var format = ResponseFormat.Choose(call.Request, IdxImages.MediaType, ResponseFormat.Png, ResponseFormat.Json);
        var columns = ImageTensors.GridColumns(count);
        call.Reserve(
            AnswerMemory.Window(model, count) + (format == ResponseFormat.Png ? AnswerMemory.GridBand(shape, columns) : 0),
            $"Decoding {count} latents");
        IAsyncEnumerable<float[]> Images(CancellationToken cancellationToken) =>
            service.DecodePiecesAsync(model, Pieces(latents, count * model.LatentSize, AutoencoderService.WindowRows * model.LatentSize), cancellationToken);
        return TypedResults.Stream(
            output => format switch
            {
                IdxImages.MediaType => IdxImages.WriteAsync(output, Images(call.CancellationToken), count, shape, call.CancellationToken),
                ResponseFormat.Png => images.WriteGridAsync(output, Images(call.CancellationToken), count, shape, call.CancellationToken),
                _ => StreamedJson.WriteDecodedAsync(output, model.Name, count, shape, Images(call.CancellationToken), call.CancellationToken),
            },
            format);
    }

    /// <summary>The first <paramref name="length"/> values in pieces of at most <paramref name="size"/>.</summary>
    private static IEnumerable<float[]> Pieces(float[] values, int length, int size)
    {
        for (var start = 0; start < length; start += size)
        {
            yield return values[start..Math.Min(length, start + size)];
        }
    }

    private static void Validate(float[] latents, int rows, int columns, OnnxAutoencoder model, LimitsOptions limits)
    {
        if (rows > limits.MaxBulkImages)
        {
            throw ClientInputException.TooLarge($"{rows} latents in one request; at most {limits.MaxBulkImages}.");
        }

        AutoencoderService.RequireLatents(model, latents, columns);
    }
}
