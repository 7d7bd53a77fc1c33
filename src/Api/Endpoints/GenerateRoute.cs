using System.Globalization;
using Autoencoder.Api.Formats;
using Autoencoder.Api.Http;
using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Autoencoder.Api.Endpoints;

/// <summary>POST /generate: new images from codes drawn from the model's latent prior.</summary>
public static class GenerateRoute
{
    /// <summary>The response header that carries the seed of the codes /generate drew, so a random one can be repeated.</summary>
    public const string GenerateSeedHeader = "Generate-Seed";

    /// <param name="call">The request, its model and the services.</param>
    /// <param name="count">How many images: a whole number from 1 to Limits:MaxBulkImages (100,000 by default); default 16.</param>
    /// <param name="seed">Seeds the draws (a whole number); without it a random seed. Either way it is returned in the Generate-Seed header.</param>
    /// <param name="temperature">Scales each draw's spread around its component's mean, from 0 (the means) to 10; default 1, the prior itself.</param>
    public static PushStreamHttpResult Handle(
        [AsParameters] LatentCall call,
        [FromQuery(Name = "count")] string? count,
        [FromQuery(Name = "seed")] string? seed,
        [FromQuery(Name = "temperature")] string? temperature)
    {
        var generation = QueryValues.Generation(count, seed, temperature, call.Limits.MaxBulkImages);
        var model = call.ResolveModel();
        call.Request.HttpContext.Response.Headers[GenerateSeedHeader] = generation.Seed.ToString(CultureInfo.InvariantCulture);
        return Generate(call, model, generation);
    }

    /// <summary>
    /// Codes drawn from the model's latent prior and their images: one PNG grid by default, an IDX file (one-channel
    /// models only), a .npy array [N, C, H, W], or JSON with the codes and each image as a PNG, as the client accepts. Written as they are made, a window at a time: the
    /// codes are drawn a window at a time too, so whatever the count, the answer holds one window (and one band of a
    /// grid).
    /// </summary>
    private static PushStreamHttpResult Generate(LatentCall call, OnnxAutoencoder model, Generation generation)
    {
        var sampler = Generation.SamplerOf(model);
        var (count, shape, images, service) = (generation.Count, model.Manifest.Image, call.Images, call.Service);
        IEnumerable<float[]> Codes() => sampler.SampleInPieces(count, generation.Seed, generation.Temperature, AutoencoderService.WindowRows);
        IAsyncEnumerable<float[]> Images(CancellationToken cancellationToken) => service.DecodePiecesAsync(model, Codes(), cancellationToken);
        var format = shape.IsColour
            ? ResponseFormat.ChooseImages(call.Request, shape, model.Name, ResponseFormat.Png, Npy.MediaType, ResponseFormat.Json)
            : ResponseFormat.Choose(call.Request, ResponseFormat.Png, IdxImages.MediaType, ResponseFormat.Json, Npy.MediaType);
        var columns = ImageTensors.GridColumns(count);
        call.Reserve(
            AnswerMemory.Window(model, count) + (format == ResponseFormat.Png ? AnswerMemory.GridBand(shape, columns) : 0),
            $"Generating {count} images");
        return StreamedAnswers.Stream(
            call.Request,
            output => format switch
            {
                ResponseFormat.Png => images.WriteGridAsync(output, Images(call.CancellationToken), count, shape, call.CancellationToken),
                IdxImages.MediaType => IdxImages.WriteAsync(output, Images(call.CancellationToken), count, shape, call.CancellationToken),
                Npy.MediaType => NpyImages.WriteAsync(output, Images(call.CancellationToken), count, shape, call.CancellationToken),
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
}
