using System.Text.Json;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Formats;
using Autoencoder.Api.Http;
using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Autoencoder.Api.Endpoints;

/// <summary>
/// POST /decode, with its two body formats: JSON (one latent or an array of them) and a .npy matrix (Content-Type
/// application/x-npy, raw or gzip). One latent answers one image; many answer an IDX file, a PNG grid or JSON,
/// written as they are decoded.
/// </summary>
public static class DecodeRoute
{
    public static async Task<Results<FileContentHttpResult, Ok<DecodeResponse>, PushStreamHttpResult>> Handle([AsParameters] LatentCall call)
    {
        var model = call.ResolveModel();
        if (RequestBodies.HasContentType(call.Request, Npy.MediaType))
        {
            return await DecodeNpyAsync(call, model);
        }

        if (call.Request.HasJsonContentType())
        {
            return await DecodeJsonAsync(call, model);
        }

        throw ClientInputException.UnsupportedFormat(
            $"Send a JSON body (Content-Type application/json) or a .npy matrix ({Npy.MediaType}), not '{ClientText.Echo(call.Request.ContentType ?? "none")}'.");
    }

    private static async Task<Results<FileContentHttpResult, Ok<DecodeResponse>, PushStreamHttpResult>> DecodeJsonAsync(LatentCall call, OnnxAutoencoder model)
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
                    ? TypedResults.Ok(new DecodeResponse(model.Name, shape.Width, shape.Height, shape.Channels, pixels))
                    : TypedResults.File(images.ToPng(pixels, shape), "image/png");
            }

            return Many(call, model, latents, rows);
        }
    }

    private static async Task<Results<FileContentHttpResult, Ok<DecodeResponse>, PushStreamHttpResult>> DecodeNpyAsync(LatentCall call, OnnxAutoencoder model)
    {
        var (request, limits, cancellationToken) = (call.Request, call.Limits, call.CancellationToken);

        call.Reserve(AnswerMemory.NpyBody(request, limits.MaxBulkBodyBytes), "A .npy body of latents");
        var file = await RequestBodies.ReadBodyAsync(request, limits.MaxBulkBodyBytes, cancellationToken);
        var latents = Npy.ReadMatrix(file, out var rows, out var columns);
        Validate(latents, rows, columns, model, limits);
        return Many(call, model, latents, rows);
    }

    /// <summary>
    /// Many latents' images: an IDX file (one-channel models only), a .npy array [N, C, H, W], one PNG grid, or JSON, as
    /// the client accepts, written as they are decoded a window at a time. A colour model's default is .npy.
    /// </summary>
    private static PushStreamHttpResult Many(LatentCall call, OnnxAutoencoder model, float[] latents, int count)
    {
        var (shape, images, service) = (model.Manifest.Image, call.Images, call.Service);
        var format = shape.IsColour
            ? ResponseFormat.ChooseImages(call.Request, shape, model.Name, Npy.MediaType, ResponseFormat.Png, ResponseFormat.Json)
            : ResponseFormat.Choose(call.Request, IdxImages.MediaType, ResponseFormat.Png, ResponseFormat.Json, Npy.MediaType);
        var columns = ImageTensors.GridColumns(count);
        call.Reserve(
            AnswerMemory.Window(model, count) + (format == ResponseFormat.Png ? AnswerMemory.GridBand(shape, columns) : 0),
            $"Decoding {count} latents");
        IAsyncEnumerable<float[]> Images(CancellationToken cancellationToken) =>
            service.DecodePiecesAsync(model, AutoencoderService.Windows(latents, count, model.LatentSize), cancellationToken);
        return StreamedAnswers.Stream(
            call.Request,
            output => format switch
            {
                IdxImages.MediaType => IdxImages.WriteAsync(output, Images(call.CancellationToken), count, shape, call.CancellationToken),
                Npy.MediaType => NpyImages.WriteAsync(output, Images(call.CancellationToken), count, shape, call.CancellationToken),
                ResponseFormat.Png => images.WriteGridAsync(output, Images(call.CancellationToken), count, shape, call.CancellationToken),
                _ => StreamedJson.WriteDecodedAsync(output, model.Name, count, shape, Images(call.CancellationToken), call.CancellationToken),
            },
            format);
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
