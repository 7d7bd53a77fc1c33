using System.Globalization;
using Autoencoder.Api.Formats;
using Autoencoder.Api.Http;
using Autoencoder.Api.Inference;
using Autoencoder.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Autoencoder.Api.Endpoints;

/// <summary>
/// POST /denoise: an image, or every image of an IDX file or a .npy array, cleaned by a denoising model; with ?noise=, seeded noise is
/// added first to show what the model removes.
/// </summary>
public static class DenoiseRoute
{
    /// <summary>The response header that carries the seed of the noise /denoise added, so a random one can be repeated.</summary>
    public const string NoiseSeedHeader = "Noise-Seed";

    /// <param name="call">The request, its model and the services.</param>
    /// <param name="noise">Noise to add to the input first, to show what the model removes: KIND:LEVEL or KIND:MIN-MAX, KIND one of gaussian (level: standard deviation), salt-pepper or mask (level: fraction of pixels), levels in [0,1]; e.g. gaussian:0.3.</param>
    /// <param name="seed">Seeds the noise (a whole number); without it a random seed, returned in the Noise-Seed header.</param>
    public static async Task<Results<FileContentHttpResult, Ok<DenoiseResponse>, PushStreamHttpResult>> Handle(
        [AsParameters] ImageCall call, [FromQuery(Name = "noise")] string? noise, [FromQuery(Name = "seed")] string? seed)
    {
        var added = QueryValues.AddedNoise(noise, seed);
        var model = call.ResolveDenoiser();
        if (added is not null)
        {
            call.Request.HttpContext.Response.Headers[NoiseSeedHeader] = added.Seed.ToString(CultureInfo.InvariantCulture);
        }

        return BulkImageBodies.IsBulk(call.Request)
            ? await DenoiseFileAsync(call, model, added)
            : await DenoiseImageAsync(call, model, added);
    }

    /// <summary>
    /// The image cleaned by the model: PNG, or JSON with the model's input; with added noise, the noisy image and both
    /// images' PSNR against the clean input too.
    /// </summary>
    private static async Task<Results<FileContentHttpResult, Ok<DenoiseResponse>, PushStreamHttpResult>> DenoiseImageAsync(ImageCall call, OnnxAutoencoder model, AddedNoise? noise)
    {
        var shape = model.Manifest.Image;
        var clean = await call.ReadImageAsync(model);
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

    /// <summary>
    /// Every image of the file denoised by the model, as a file of the same format (IDX or .npy) written a window at a time as the windows are
    /// denoised; with <paramref name="noise"/>, each image is corrupted by it first, in file order, all from one seeded
    /// generator (so the bytes do not depend on the windows).
    /// </summary>
    private static async Task<PushStreamHttpResult> DenoiseFileAsync(ImageCall call, OnnxAutoencoder model, AddedNoise? noise)
    {
        var format = BulkImageBodies.IsNpy(call.Request) ? Npy.MediaType : IdxImages.MediaType;
        ResponseFormat.Require(call.Request, format == Npy.MediaType ? "a .npy array" : "an IDX file", format);
        call.Reserve(AnswerMemory.Body(call.Request, call.Limits.MaxBulkBodyBytes) + AnswerMemory.Window(model, AutoencoderService.WindowRows), "A file of images to denoise");
        var body = await BulkImageBodies.OpenAsync(call, model);
        var shape = model.Manifest.Image;
        return StreamedAnswers.Stream(
            call.Request,
            async output =>
            {
                await using (body)
                {
                    await body.WriteAsync(output, Denoised(call, model, body, noise), shape, call.CancellationToken);
                }
            },
            format);
    }

    private static async IAsyncEnumerable<float[]> Denoised(ImageCall call, OnnxAutoencoder model, BulkImageBody body, AddedNoise? noise)
    {
        var cancellationToken = call.CancellationToken;
        var windows = body.ReadWindowsAsync(model.Manifest.Image, AutoencoderService.WindowRows, cancellationToken);
        if (noise is not null)
        {
            windows = noise.ApplyInOrder(windows, model.PixelCount);
        }

        await foreach (var (_, _, _, output) in call.Service.ReconstructWindowsAsync(model, windows, cancellationToken))
        {
            yield return output;
        }
    }

    /// <summary>JSON has no infinity: identical images' PSNR is null.</summary>
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;
}
