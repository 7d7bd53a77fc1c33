using Autoencoder.Api.Formats;
using Autoencoder.Api.Http;
using Autoencoder.Api.Limits;
using Autoencoder.Api.OpenApi;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Endpoints;

/// <summary>
/// The inference routes: encode, decode, reconstruct, score, interpolate, denoise and generate, each handled in a file
/// of its own (<see cref="EncodeRoute"/> ... <see cref="GenerateRoute"/>), which chooses by Content-Type and Accept
/// what to read and how to answer. Query strings are read in <see cref="QueryValues"/>, the call's services in
/// <see cref="ImageCall"/> and <see cref="LatentCall"/>.
/// </summary>
public static class InferenceApi
{
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

        api.MapPost("/encode", EncodeRoute.Handle)
            .WithName("Encode")
            .WithSummary("Encode an image, or a whole IDX file of images, to latent vectors")
            .WithDescription("Send a PNG or JPEG as form field 'image' or as the raw body (Content-Type image/png or image/jpeg). Or send many images, an IDX image file (one-channel models; Content-Type application/x-idx) or a .npy array of [N, C, H, W] floats in [0,1] (any model; Content-Type application/x-npy), raw or gzip, for all their latents: JSON, or a float32 [N, latent] .npy with Accept: application/x-npy.")
            .WithMetadata(new ImageUploadMetadata(ImageUploads.ImageField) { RawTypes = [IdxImages.MediaType, Npy.MediaType] }, new BinaryResponseMetadata(Npy.MediaType))
            .WithBodyLimit(Math.Max(limits.MaxUploadBodyBytes, limits.MaxBulkBodyBytes));

        api.MapPost("/decode", DecodeRoute.Handle)
            .WithName("Decode")
            .WithSummary("Decode a latent vector, or many, to images")
            .WithDescription("One latent, {\"latent\": [...]}: a PNG (gray, or RGB for a colour model), or with Accept: application/json the values in [0,1] (channels x height x width). Many latents, as a JSON array of arrays or a .npy matrix (Content-Type application/x-npy): an IDX image file (a colour model: a .npy array [N, C, H, W]), a .npy array with Accept: application/x-npy, or with Accept: image/png one grid of all images, or with Accept: application/json the values.")
            .Accepts<DecodeRequest>(ResponseFormat.Json, Npy.MediaType)
            .WithMetadata(new BinaryResponseMetadata("image/png", IdxImages.MediaType, Npy.MediaType))
            .WithBodyLimit(Math.Max(limits.MaxJsonBodyBytes, limits.MaxBulkBodyBytes));

        api.MapPost("/reconstruct", ReconstructRoute.Handle)
            .WithName("Reconstruct")
            .WithSummary("Encode and decode an image")
            .WithDescription("Returns the reconstruction as a PNG (gray, or RGB for a colour model); with Accept: application/json, the latent, the reconstruction as base64 PNG, the mean squared error between the model's input and its reconstruction, and the input as the model saw it (base64 PNG).")
            .WithMetadata(new ImageUploadMetadata(ImageUploads.ImageField), new BinaryResponseMetadata("image/png"))
            .WithBodyLimit(limits.MaxUploadBodyBytes);

        api.MapPost("/score", ScoreRoute.Handle)
            .WithName("Score")
            .WithSummary("How unusual an image, or each image of an IDX file, is to the model")
            .WithDescription("Reconstruction error as an anomaly score: the error, its percentile among the model's held-out validation images, and whether it is above the threshold (?threshold=, default the validation 99th percentile). For a model whose model.json has a scorer, the JSON answer adds 'novelty': the combined novelty score, its percentile among held-out normal images, 'isAnomaly' at the scorer's threshold and each component (mse, structural, local, prior). Send an image as for /reconstruct, or many images, an IDX file (one-channel models; Content-Type application/x-idx) or a .npy array of [N, C, H, W] floats (Content-Type application/x-npy), raw or gzip, for every image's score: one array per field in file order, and with a scorer 'novelty' the same way ('scores', the raw combined scores; 'percentiles'; 'isAnomaly'; each component's 'values' and 'normalised'; 'threshold' and 'anomalyCount'). With Accept: image/png, one image gives a heat map: input, reconstruction and per-pixel error side by side; a file gives one grid of every image's heat map (ceil(sqrt(N / 3)) columns, 12 white pixels apart; at most Limits:MaxHeatMapImages images, default 256, else 413). An image is answered as image/png (the default) or application/json, a file as application/json (the default) or image/png; an Accept header that allows neither is a 406.")
            .ProducesProblem(StatusCodes.Status406NotAcceptable)
            .WithMetadata(new ImageUploadMetadata(ImageUploads.ImageField) { RawTypes = [IdxImages.MediaType, Npy.MediaType] }, new BinaryResponseMetadata("image/png"))
            .WithBodyLimit(Math.Max(limits.MaxUploadBodyBytes, limits.MaxBulkBodyBytes));

        api.MapPost("/interpolate", InterpolateRoute.Handle)
            .WithName("Interpolate")
            .WithSummary("Blend two images in latent space")
            .WithDescription("Send form fields 'first' and 'second'. Returns one PNG strip: the first image (as the model saw it), the decodings of `steps` blends (1 - w) * first + w * second with w = i / (steps + 1), i = 1..steps, then the second image. With Accept: application/json, the weights, latents and frames.")
            .WithMetadata(new ImageUploadMetadata(ImageUploads.FirstField, ImageUploads.SecondField), new BinaryResponseMetadata("image/png"))
            .WithBodyLimit(limits.MaxUploadBodyBytes);

        api.MapPost("/denoise", DenoiseRoute.Handle)
            .WithName("Denoise")
            .WithSummary("Clean an image, or every image of an IDX file, with a denoising model")
            .WithDescription("Send an image as for /reconstruct: the model's output as a PNG (gray, or RGB for a colour model); with Accept: application/json, the output and the model's input as base64 PNG. Without ?model=, the denoiser (a model trained with noise, see GET /models) of the default model's data set; any model may be named (a plain autoencoder just reconstructs). ?noise=KIND:LEVEL or KIND:MIN-MAX (gaussian, salt-pepper, mask; levels in [0,1]) adds that noise to the input first, to show what the model removes, seeded by ?seed= (an integer; without it a random one) and the seed returned in the Noise-Seed header: the same seed gives the same bytes. The JSON answer then carries the noisy image too and the PSNR (dB, 10 log10(1 / MSE) on [0,1] pixels) of the noisy and of the denoised image against the input. Or send an IDX image file (one-channel models; Content-Type application/x-idx) or a .npy array of [N, C, H, W] floats (Content-Type application/x-npy), raw or gzip, for a file of the same format of every image denoised (?noise= applies to each image in turn, each channel of each pixel).")
            .WithMetadata(new ImageUploadMetadata(ImageUploads.ImageField) { RawTypes = [IdxImages.MediaType, Npy.MediaType] }, new BinaryResponseMetadata("image/png", IdxImages.MediaType, Npy.MediaType))
            .WithBodyLimit(Math.Max(limits.MaxUploadBodyBytes, limits.MaxBulkBodyBytes));

        // No body: what to generate is all in the query.
        api.MapPost("/generate", GenerateRoute.Handle)
            .WithName("Generate")
            .WithSummary("Generate new images from codes drawn from the model's latent prior")
            .WithDescription("No body. Draws ?count= codes (1 to Limits:MaxBulkImages, default 16) from the model's latent prior (its model.json's prior: N(0, I) for a variational autoencoder, Gaussians fitted to the training images' codes for a plain one, see GET /models) and decodes them. ?temperature= (0 to 10, default 1) scales each draw's spread around its component's mean: 0 gives the means. ?seed= (a whole number) seeds the draws; without it a random one; either way the seed is returned in the Generate-Seed header, and the same seed, count and temperature give the same bytes. Answers one PNG grid of the images (as close to square as the count allows) by default, an IDX image file with Accept: application/x-idx (one-channel models), a .npy array [N, C, H, W] with Accept: application/x-npy, or with Accept: application/json the seed, the codes and each image as base64 PNG. A model without a prior is a 409.")
            .ProducesProblem(StatusCodes.Status409Conflict)
            .Produces<GenerateResponse>(StatusCodes.Status200OK, ResponseFormat.Json) // written as it is made, so not in the handler's type
            .WithMetadata(new BinaryResponseMetadata("image/png", IdxImages.MediaType, Npy.MediaType))
            .WithBodyLimit(0);

        return api;
    }
}
