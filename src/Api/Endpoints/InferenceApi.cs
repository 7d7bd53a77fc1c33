using Autoencoder.Api.Http;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Formats;
using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Autoencoder.Core;
using Autoencoder.Api.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Endpoints;

/// <summary>What the handler of an image route is given: the request, its query and the services that serve it.</summary>
/// <param name="Request">The request.</param>
/// <param name="Model">Which model to use; without it, the default model (see GET /models).</param>
/// <param name="Preprocess">"auto" (default): prepare any image as the model's model.json says (imageHandling); "none": the image is already exactly the model's input.</param>
/// <param name="Service">Runs the model.</param>
/// <param name="Uploads">Reads the uploaded images.</param>
/// <param name="Images">Turns uploads into model inputs and outputs into PNGs.</param>
/// <param name="Options">Bulk and upload limits.</param>
/// <param name="Memory">The memory for what requests produce.</param>
/// <param name="CancellationToken">Request aborted.</param>
public readonly record struct ImageCall(
    HttpRequest Request,
    [FromQuery(Name = "model")] string? Model,
    [FromQuery(Name = "preprocess")] string? Preprocess,
    AutoencoderService Service,
    ImageUploads Uploads,
    ImageTensors Images,
    IOptions<LimitsOptions> Options,
    WorkMemory Memory,
    CancellationToken CancellationToken)
{
    public LimitsOptions Limits => Options.Value;

    /// <summary>Reserves what the answer will hold, until it is written (see <see cref="WorkMemory.Reserve"/>).</summary>
    public void Reserve(long bytes, string what) => Request.HttpContext.Response.RegisterForDispose(Memory.Reserve(bytes, what));

    public bool ShouldPreprocess => Preprocess?.ToLowerInvariant() switch
    {
        null or "" or "auto" => true,
        "none" => false,
        _ => throw ClientInputException.Invalid($"'preprocess' must be 'auto' or 'none', not '{Preprocess}'."),
    };

    /// <summary>How uploads become this model's input: its own image handling, or none when the client says so.</summary>
    public ImageHandling ImageHandlingFor(OnnxAutoencoder model) => ShouldPreprocess ? model.Manifest.ImageHandling : ImageHandling.None;

    /// <summary>The model asked for, named in the request's log line.</summary>
    public OnnxAutoencoder ResolveModel() => InferenceApi.Resolve(Request, Service, Model);

    /// <summary>The model asked for, or without ?model= the denoiser of the default model's data set, named in the request's log line.</summary>
    public OnnxAutoencoder ResolveDenoiser() => InferenceApi.Resolve(Request, Service.Denoiser(Model));
}

/// <summary>What the handler of /decode is given.</summary>
/// <param name="Request">The request.</param>
/// <param name="Model">Which model to use; without it, the default model (see GET /models).</param>
/// <param name="Service">Runs the model.</param>
/// <param name="Images">Turns model outputs into PNGs.</param>
/// <param name="Options">Bulk limits.</param>
/// <param name="Memory">The memory for what requests produce.</param>
/// <param name="CancellationToken">Request aborted.</param>
public readonly record struct LatentCall(
    HttpRequest Request,
    [FromQuery(Name = "model")] string? Model,
    AutoencoderService Service,
    ImageTensors Images,
    IOptions<LimitsOptions> Options,
    WorkMemory Memory,
    CancellationToken CancellationToken)
{
    public LimitsOptions Limits => Options.Value;

    /// <summary>Reserves what the answer will hold, until it is written (see <see cref="WorkMemory.Reserve"/>).</summary>
    public void Reserve(long bytes, string what) => Request.HttpContext.Response.RegisterForDispose(Memory.Reserve(bytes, what));

    /// <summary>The model asked for, named in the request's log line.</summary>
    public OnnxAutoencoder ResolveModel() => InferenceApi.Resolve(Request, Service, Model);
}

/// <summary>
/// The inference routes: encode, decode, reconstruct, score, interpolate, denoise and generate. A route that takes one kind of body is
/// handled where that kind is (/reconstruct and /interpolate in <see cref="ImageRequests"/>); one that takes several
/// chooses by Content-Type and Accept here, and runs the matching function for images (<see cref="ImageRequests"/>),
/// IDX files (<see cref="IdxRequests"/>) or latents (<see cref="LatentRequests"/>).
/// </summary>
public static class InferenceApi
{
    /// <summary>The response header that carries the seed of the noise /denoise added, so a random one can be repeated.</summary>
    public const string NoiseSeedHeader = "Noise-Seed";

    /// <summary>The response header that carries the seed of the codes /generate drew, so a random one can be repeated.</summary>
    public const string GenerateSeedHeader = "Generate-Seed";

    public static RouteGroupBuilder MapInferenceApi(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<IOptions<LimitsOptions>>().Value;

        // Every error here is a problem response; the statuses are listed once for the whole group. Inference
        // runs a bounded number of requests at once and queues the rest, so a burst cannot exhaust memory; a request takes
        // its slot once its body is in, so a slow sender holds none.
        var api = app.MapGroup("")
            .WithTags("Inference")
            .RequireInferenceSlot()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/encode", Encode)
            .WithName("Encode")
            .WithSummary("Encode an image, or a whole IDX file of images, to latent vectors")
            .WithDescription("Send a PNG or JPEG as form field 'image' or as the raw body (Content-Type image/png or image/jpeg). Or send an IDX image file, raw or gzip (Content-Type application/x-idx), for all its latents: JSON, or a float32 [N, latent] .npy with Accept: application/x-npy.")
            .WithMetadata(new ImageUploadMetadata(ImageRequests.ImageField) { RawTypes = [IdxImages.MediaType] }, new BinaryResponseMetadata(Npy.MediaType))
            .WithBodyLimit(Math.Max(limits.MaxUploadBodyBytes, limits.MaxBulkBodyBytes));

        api.MapPost("/decode", Decode)
            .WithName("Decode")
            .WithSummary("Decode a latent vector, or many, to images")
            .WithDescription("One latent, {\"latent\": [...]}: a grayscale PNG, or with Accept: application/json the pixel values in [0,1]. Many latents, as a JSON array of arrays or a .npy matrix (Content-Type application/x-npy): an IDX image file, or with Accept: image/png one grid of all images, or with Accept: application/json the pixel values.")
            .Accepts<DecodeRequest>(ResponseFormat.Json, Npy.MediaType)
            .WithMetadata(new BinaryResponseMetadata("image/png", IdxImages.MediaType))
            .WithBodyLimit(Math.Max(limits.MaxJsonBodyBytes, limits.MaxBulkBodyBytes));

        api.MapPost("/reconstruct", ImageRequests.Reconstruct)
            .WithName("Reconstruct")
            .WithSummary("Encode and decode an image")
            .WithDescription("Returns the reconstruction as a grayscale PNG; with Accept: application/json, the latent, the reconstruction as base64 PNG, the mean squared error between the model's input and its reconstruction, and the input as the model saw it (base64 PNG).")
            .WithMetadata(new ImageUploadMetadata(ImageRequests.ImageField), new BinaryResponseMetadata("image/png"))
            .WithBodyLimit(limits.MaxUploadBodyBytes);

        api.MapPost("/score", Score)
            .WithName("Score")
            .WithSummary("How unusual an image, or each image of an IDX file, is to the model")
            .WithDescription("Reconstruction error as an anomaly score: the error, its percentile among the model's held-out validation images, and whether it is above the threshold (?threshold=, default the validation 99th percentile). Send an image as for /reconstruct, or an IDX file (Content-Type application/x-idx, raw or gzip) for every image's score. With Accept: image/png, one image gives a heat map: input, reconstruction and per-pixel error side by side; an IDX file gives one grid of every image's heat map (ceil(sqrt(N / 3)) columns, 12 white pixels apart; at most Limits:MaxHeatMapImages images, default 256, else 413). An image is answered as image/png (the default) or application/json, an IDX file as application/json (the default) or image/png; an Accept header that allows neither is a 406.")
            .ProducesProblem(StatusCodes.Status406NotAcceptable)
            .WithMetadata(new ImageUploadMetadata(ImageRequests.ImageField) { RawTypes = [IdxImages.MediaType] }, new BinaryResponseMetadata("image/png"))
            .WithBodyLimit(Math.Max(limits.MaxUploadBodyBytes, limits.MaxBulkBodyBytes));

        api.MapPost("/interpolate", ImageRequests.Interpolate)
            .WithName("Interpolate")
            .WithSummary("Blend two images in latent space")
            .WithDescription("Send form fields 'first' and 'second'. Returns one PNG strip: the first image (as the model saw it), the decodings of `steps` blends (1 - w) * first + w * second with w = i / (steps + 1), i = 1..steps, then the second image. With Accept: application/json, the weights, latents and frames.")
            .WithMetadata(new ImageUploadMetadata(ImageRequests.FirstField, ImageRequests.SecondField), new BinaryResponseMetadata("image/png"))
            .WithBodyLimit(limits.MaxUploadBodyBytes);

        api.MapPost("/denoise", Denoise)
            .WithName("Denoise")
            .WithSummary("Clean an image, or every image of an IDX file, with a denoising model")
            .WithDescription("Send an image as for /reconstruct: the model's output as a grayscale PNG; with Accept: application/json, the output and the model's input as base64 PNG. Without ?model=, the denoiser (a model trained with noise, see GET /models) of the default model's data set; any model may be named (a plain autoencoder just reconstructs). ?noise=KIND:LEVEL or KIND:MIN-MAX (gaussian, salt-pepper, mask; levels in [0,1]) adds that noise to the input first, to show what the model removes, seeded by ?seed= (an integer; without it a random one) and the seed returned in the Noise-Seed header: the same seed gives the same bytes. The JSON answer then carries the noisy image too and the PSNR (dB, 10 log10(1 / MSE) on [0,1] pixels) of the noisy and of the denoised image against the input. Or send an IDX image file, raw or gzip (Content-Type application/x-idx), for an IDX file of every image denoised (?noise= applies to each image in turn).")
            .WithMetadata(new ImageUploadMetadata(ImageRequests.ImageField) { RawTypes = [IdxImages.MediaType] }, new BinaryResponseMetadata("image/png", IdxImages.MediaType))
            .WithBodyLimit(Math.Max(limits.MaxUploadBodyBytes, limits.MaxBulkBodyBytes));

        // No body: what to generate is all in the query.
        api.MapPost("/generate", Generate)
            .WithName("Generate")
            .WithSummary("Generate new images from codes drawn from the model's latent prior")
            .WithDescription("No body. Draws ?count= codes (1 to Limits:MaxBulkImages, default 16) from the model's latent prior (its model.json's prior: N(0, I) for a variational autoencoder, Gaussians fitted to the training images' codes for a plain one, see GET /models) and decodes them. ?temperature= (0 to 10, default 1) scales each draw's spread around its component's mean: 0 gives the means. ?seed= (a whole number) seeds the draws; without it a random one; either way the seed is returned in the Generate-Seed header, and the same seed, count and temperature give the same bytes. Answers one PNG grid of the images (as close to square as the count allows) by default, an IDX image file with Accept: application/x-idx, or with Accept: application/json the seed, the codes and each image as base64 PNG. A model without a prior is a 409.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .Produces<GenerateResponse>(StatusCodes.Status200OK, ResponseFormat.Json) // written as it is made, so not in the handler's type
            .WithMetadata(new BinaryResponseMetadata("image/png", IdxImages.MediaType))
            .WithBodyLimit(0);

        return api;
    }

    public static async Task<Results<Ok<EncodeResponse>, PushStreamHttpResult>> Encode([AsParameters] ImageCall call)
    {
        var model = call.ResolveModel();
        return HasContentType(call.Request, IdxImages.MediaType)
            ? await IdxRequests.EncodeAsync(call, model)
            : await ImageRequests.EncodeAsync(call, model);
    }

    public static async Task<Results<FileContentHttpResult, Ok<DecodeResponse>, PushStreamHttpResult>> Decode([AsParameters] LatentCall call)
    {
        var model = call.ResolveModel();
        if (HasContentType(call.Request, Npy.MediaType))
        {
            return await LatentRequests.DecodeNpyAsync(call, model);
        }

        if (call.Request.HasJsonContentType())
        {
            return await LatentRequests.DecodeJsonAsync(call, model);
        }

        throw ClientInputException.UnsupportedFormat(
            $"Send a JSON body (Content-Type application/json) or a .npy matrix ({Npy.MediaType}), not '{call.Request.ContentType ?? "none"}'.");
    }

    /// <param name="call">The request, its model and the services.</param>
    /// <param name="threshold">The error above which an image is unusual (a finite number above 0); default: the model's validation 99th percentile.</param>
    public static async Task<Results<FileContentHttpResult, Ok<ScoreResponse>, Ok<BulkScoreResponse>>> Score(
        [AsParameters] ImageCall call, [FromQuery(Name = "threshold")] string? threshold)
    {
        var model = call.ResolveModel();
        var limit = AnomalyScores.Threshold(model.Manifest, threshold);
        if (HasContentType(call.Request, IdxImages.MediaType))
        {
            return ResponseFormat.Require(call.Request, "an IDX file", ResponseFormat.Json, ResponseFormat.Png) == ResponseFormat.Png
                ? await IdxRequests.HeatMapGridAsync(call, model)
                : await IdxRequests.ScoreAsync(call, model, limit);
        }

        return ResponseFormat.Require(call.Request, "an image", ResponseFormat.Png, ResponseFormat.Json) == ResponseFormat.Png
            ? await ImageRequests.HeatMapAsync(call, model)
            : await ImageRequests.ScoreAsync(call, model, limit);
    }

    /// <param name="call">The request, its model and the services.</param>
    /// <param name="noise">Noise to add to the input first, to show what the model removes: KIND:LEVEL or KIND:MIN-MAX, KIND one of gaussian (level: standard deviation), salt-pepper or mask (level: fraction of pixels), levels in [0,1]; e.g. gaussian:0.3.</param>
    /// <param name="seed">Seeds the noise (a whole number); without it a random seed, returned in the Noise-Seed header.</param>
    public static async Task<Results<FileContentHttpResult, Ok<DenoiseResponse>, PushStreamHttpResult>> Denoise(
        [AsParameters] ImageCall call, [FromQuery(Name = "noise")] string? noise, [FromQuery(Name = "seed")] string? seed)
    {
        var added = AddedNoise.FromQuery(noise, seed);
        var model = call.ResolveDenoiser();
        if (added is not null)
        {
            call.Request.HttpContext.Response.Headers[NoiseSeedHeader] = added.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return HasContentType(call.Request, IdxImages.MediaType)
            ? await IdxRequests.DenoiseAsync(call, model, added)
            : await ImageRequests.DenoiseAsync(call, model, added);
    }

    /// <param name="call">The request, its model and the services.</param>
    /// <param name="count">How many images: a whole number from 1 to Limits:MaxBulkImages (100,000 by default); default 16.</param>
    /// <param name="seed">Seeds the draws (a whole number); without it a random seed. Either way it is returned in the Generate-Seed header.</param>
    /// <param name="temperature">Scales each draw's spread around its component's mean, from 0 (the means) to 10; default 1, the prior itself.</param>
    public static async Task<PushStreamHttpResult> Generate(
        [AsParameters] LatentCall call,
        [FromQuery(Name = "count")] string? count,
        [FromQuery(Name = "seed")] string? seed,
        [FromQuery(Name = "temperature")] string? temperature)
    {
        var generation = Generation.FromQuery(count, seed, temperature, call.Limits.MaxBulkImages);
        var model = call.ResolveModel();
        call.Request.HttpContext.Response.Headers[GenerateSeedHeader] = generation.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return LatentRequests.Generate(call, model, generation);
    }

    private static bool HasContentType(HttpRequest request, string mediaType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
        && contentType.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase);

    internal static OnnxAutoencoder Resolve(HttpRequest request, AutoencoderService service, string? name) => Resolve(request, service.Model(name));

    internal static OnnxAutoencoder Resolve(HttpRequest request, OnnxAutoencoder model)
    {
        RequestLogContext.SetModel(request.HttpContext, model.Name, model.Provider.Name);
        return model;
    }
}
