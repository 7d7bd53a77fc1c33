using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Autoencoder.Core;
using Autoencoder.Api.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Endpoints;

/// <summary>Query parameters every inference endpoint takes.</summary>
/// <param name="Model">Which model to use; without it, the default model (see GET /models).</param>
/// <param name="Preprocess">"auto" (default): prepare any image as the model's model.json says (imageHandling); "none": the image is already exactly the model's input.</param>
public readonly record struct InferenceQuery([FromQuery(Name = "model")] string? Model, [FromQuery(Name = "preprocess")] string? Preprocess)
{
    public bool ShouldPreprocess => Preprocess?.ToLowerInvariant() switch
    {
        null or "" or "auto" => true,
        "none" => false,
        _ => throw Errors.ClientInputException.Invalid($"'preprocess' must be 'auto' or 'none', not '{Preprocess}'."),
    };

    /// <summary>How uploads become this model's input: its own image handling, or none when the client says so.</summary>
    public string ImageHandlingFor(OnnxAutoencoder model) => ShouldPreprocess ? model.Manifest.ImageHandling : ImageHandlings.None;
}

/// <summary>encode, decode, reconstruct and interpolate: images and latents in, PNG or JSON out.</summary>
public static class InferenceApi
{
    private const string ImageField = "image";
    private const string FirstField = "first";
    private const string SecondField = "second";

    public static RouteGroupBuilder MapInferenceApi(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<IOptions<LimitsOptions>>().Value;

        // Every error here is a problem response; the statuses are listed once for the whole group. Inference
        // runs a bounded number of requests at once and queues the rest, so a burst cannot exhaust memory.
        var api = app.MapGroup("")
            .WithTags("Inference")
            .RequireRateLimiting(RequestLimits.InferencePolicy)
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
            .WithMetadata(new ImageUploadMetadata(ImageField) { RawTypes = [IdxImages.MediaType] }, new BinaryResponseMetadata(Npy.MediaType))
            .WithBodyLimit(Math.Max(limits.MaxUploadBodyBytes, limits.MaxBulkBodyBytes));

        api.MapPost("/decode", Decode)
            .WithName("Decode")
            .WithSummary("Decode a latent vector, or many, to images")
            .WithDescription("One latent, {\"latent\": [...]}: a grayscale PNG, or with Accept: application/json the pixel values in [0,1]. Many latents, as a JSON array of arrays or a .npy matrix (Content-Type application/x-npy): an IDX image file, or with Accept: image/png one grid of all images, or with Accept: application/json the pixel values.")
            .Accepts<DecodeRequest>(ResponseFormat.Json, Npy.MediaType)
            .WithMetadata(new BinaryResponseMetadata("image/png", IdxImages.MediaType))
            .WithBodyLimit(Math.Max(limits.MaxJsonBodyBytes, limits.MaxBulkBodyBytes));

        api.MapPost("/reconstruct", Reconstruct)
            .WithName("Reconstruct")
            .WithSummary("Encode and decode an image")
            .WithDescription("Returns the reconstruction as a grayscale PNG; with Accept: application/json, the latent, the reconstruction as base64 PNG, the mean squared error between the model's input and its reconstruction, and the input as the model saw it (base64 PNG).")
            .WithMetadata(new ImageUploadMetadata(ImageField), new BinaryResponseMetadata("image/png"))
            .WithBodyLimit(limits.MaxUploadBodyBytes);

        api.MapPost("/score", Score)
            .WithName("Score")
            .WithSummary("How unusual an image, or each image of an IDX file, is to the model")
            .WithDescription("Reconstruction error as an anomaly score: the error, its percentile among the model's held-out validation images, and whether it is above the threshold (?threshold=, default the validation 99th percentile). Send an image as for /reconstruct, or an IDX file (Content-Type application/x-idx, raw or gzip) for every image's score. With Accept: image/png, one image gives a heat map: input, reconstruction and per-pixel error side by side.")
            .WithMetadata(new ImageUploadMetadata(ImageField) { RawTypes = [IdxImages.MediaType] }, new BinaryResponseMetadata("image/png"))
            .WithBodyLimit(Math.Max(limits.MaxUploadBodyBytes, limits.MaxBulkBodyBytes));

        api.MapPost("/interpolate", Interpolate)
            .WithName("Interpolate")
            .WithSummary("Blend two images in latent space")
            .WithDescription("Send form fields 'first' and 'second'. Returns one PNG strip: the first image (as the model saw it), the decodings of `steps` blends (1 - w) * first + w * second with w = i / (steps + 1), i = 1..steps, then the second image. With Accept: application/json, the weights, latents and frames.")
            .WithMetadata(new ImageUploadMetadata(FirstField, SecondField), new BinaryResponseMetadata("image/png"))
            .WithBodyLimit(limits.MaxUploadBodyBytes);

        return api;
    }

    public static async Task<Results<Ok<EncodeResponse>, PushStreamHttpResult>> Encode(
        HttpRequest request, [AsParameters] InferenceQuery query, ImageUploads uploads, ModelImages images, AutoencoderService service, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        var model = Resolve(request, service, query.Model);
        if (BulkInference.IsBulkEncode(request))
        {
            return await BulkInference.EncodeIdxAsync(request, model, limits.Value, cancellationToken);
        }

        var upload = await uploads.ReadOneAsync(request, ImageField, cancellationToken);
        var input = await images.ToModelInputAsync(upload, model.Manifest.Image, query.ImageHandlingFor(model), cancellationToken);
        return TypedResults.Ok(new EncodeResponse(model.Name, await service.EncodeAsync(model, input, cancellationToken)));
    }

    public static async Task<Results<FileContentHttpResult, Ok<DecodeResponse>, Ok<BulkDecodeResponse>>> Decode(
        HttpRequest request, [FromQuery(Name = "model")] string? modelName, ImageUploads uploads, ModelImages images, AutoencoderService service, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        var model = Resolve(request, service, modelName);
        var shape = model.Manifest.Image;
        float[] latents;
        int count;
        bool isBatch;
        if (BulkInference.IsNpy(request))
        {
            (latents, count) = await BulkInference.ReadNpyAsync(request, model, uploads, limits.Value, cancellationToken);
            isBatch = true;
        }
        else if (request.HasJsonContentType())
        {
            (latents, count, isBatch) = await BulkInference.ReadJsonAsync(request, model, limits.Value, cancellationToken);
        }
        else
        {
            throw Errors.ClientInputException.UnsupportedFormat(
                $"Send a JSON body (Content-Type application/json) or a .npy matrix ({Npy.MediaType}), not '{request.ContentType ?? "none"}'.");
        }

        if (!isBatch)
        {
            var pixels = await service.DecodeAsync(model, latents, cancellationToken);
            return ResponseFormat.PrefersJson(request)
                ? TypedResults.Ok(new DecodeResponse(model.Name, shape.Width, shape.Height, pixels))
                : TypedResults.File(images.ToPng(pixels, shape), "image/png");
        }

        var decoded = service.DecodeMany(model, latents, count, cancellationToken);
        return ResponseFormat.Choose(request, IdxImages.MediaType, "image/png", ResponseFormat.Json) switch
        {
            IdxImages.MediaType => TypedResults.File(IdxImages.FromModelOutput(decoded, count, shape), IdxImages.MediaType),
            "image/png" => TypedResults.File(images.ToGrid(decoded, count, shape), "image/png"),
            _ => TypedResults.Ok(new BulkDecodeResponse(
                model.Name, count, shape.Width, shape.Height, [.. Enumerable.Range(0, count).Select(i => decoded[(i * shape.PixelCount)..((i + 1) * shape.PixelCount)])])),
        };
    }

    public static async Task<Results<FileContentHttpResult, Ok<ReconstructResponse>>> Reconstruct(
        HttpRequest request, [AsParameters] InferenceQuery query, ImageUploads uploads, ModelImages images, AutoencoderService service, CancellationToken cancellationToken)
    {
        var model = Resolve(request, service, query.Model);
        var shape = model.Manifest.Image;
        var upload = await uploads.ReadOneAsync(request, ImageField, cancellationToken);
        var input = await images.ToModelInputAsync(upload, shape, query.ImageHandlingFor(model), cancellationToken);
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

    /// <param name="request">The request.</param>
    /// <param name="query">Model and preprocessing.</param>
    /// <param name="threshold">The error above which an image is unusual (a finite number above 0); default: the model's validation 99th percentile.</param>
    /// <param name="uploads">Reads the uploads.</param>
    /// <param name="images">Converts images.</param>
    /// <param name="service">Runs the model.</param>
    /// <param name="limits">Bulk limits.</param>
    /// <param name="cancellationToken">Request aborted.</param>
    public static async Task<Results<FileContentHttpResult, Ok<ScoreResponse>, Ok<BulkScoreResponse>>> Score(
        HttpRequest request, [AsParameters] InferenceQuery query, [FromQuery(Name = "threshold")] string? threshold, ImageUploads uploads, ModelImages images, AutoencoderService service, IOptions<LimitsOptions> limits, CancellationToken cancellationToken)
    {
        var model = Resolve(request, service, query.Model);
        var manifest = model.Manifest;
        var limit = AnomalyScores.Threshold(manifest, ParseThreshold(threshold));
        if (BulkInference.IsBulkEncode(request))
        {
            var (pixels, count) = await BulkInference.ReadIdxAsync(request, model, limits.Value, cancellationToken);
            var scores = service.ReconstructionErrors(model, pixels, count, cancellationToken).Select(error => AnomalyScores.Score(manifest, error, limit)).ToArray();
            return TypedResults.Ok(new BulkScoreResponse(
                model.Name,
                count,
                limit,
                scores.Count(score => score.Unusual),
                [.. scores.Select(score => score.MeanSquaredError)],
                [.. scores.Select(score => score.Percentile)],
                [.. scores.Select(score => score.Unusual)]));
        }

        var upload = await uploads.ReadOneAsync(request, ImageField, cancellationToken);
        var input = await images.ToModelInputAsync(upload, manifest.Image, query.ImageHandlingFor(model), cancellationToken);
        var reconstruction = await service.ReconstructAsync(model, input, cancellationToken);
        if (!ResponseFormat.PrefersJson(request))
        {
            return TypedResults.File(images.ToHeatMap(reconstruction.Input, reconstruction.Image, manifest.Image), "image/png");
        }

        var result = AnomalyScores.Score(manifest, reconstruction.MeanSquaredError, limit);
        return TypedResults.Ok(new ScoreResponse(model.Name, result.MeanSquaredError, result.Percentile, result.Threshold, result.Unusual));
    }

    /// <param name="request">The request.</param>
    /// <param name="query">Model and preprocessing.</param>
    /// <param name="steps">How many blends between the two images, 1 to 64 (default 6).</param>
    /// <param name="uploads">Reads the uploads.</param>
    /// <param name="images">Converts images.</param>
    /// <param name="service">Runs the model.</param>
    /// <param name="cancellationToken">Request aborted.</param>
    public static async Task<Results<FileContentHttpResult, Ok<InterpolateResponse>>> Interpolate(
        HttpRequest request, [AsParameters] InferenceQuery query, [FromQuery(Name = "steps")] string? steps, ImageUploads uploads, ModelImages images, AutoencoderService service, CancellationToken cancellationToken)
    {
        var model = Resolve(request, service, query.Model);
        var stepCount = ParseSteps(steps);
        var shape = model.Manifest.Image;
        var (firstBytes, secondBytes) = await uploads.ReadTwoAsync(request, FirstField, SecondField, cancellationToken);
        var first = await images.ToModelInputAsync(firstBytes, shape, query.ImageHandlingFor(model), cancellationToken);
        var second = await images.ToModelInputAsync(secondBytes, shape, query.ImageHandlingFor(model), cancellationToken);
        var interpolation = await service.InterpolateAsync(model, first, second, stepCount, cancellationToken);

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

    /// <summary>Steps arrive as text so that "abc" gets the same clear message as 0 or 65.</summary>
    private static int ParseSteps(string? steps)
    {
        if (steps is null)
        {
            return 6;
        }

        if (!int.TryParse(steps, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            value = -1;
        }

        AutoencoderService.InterpolationWeights(value); // validates the range, with the message clients see
        return value;
    }

    /// <summary>The threshold arrives as text so that "abc" gets the same clear message as -1 or NaN.</summary>
    private static double? ParseThreshold(string? threshold) =>
        threshold is null
            ? null
            : double.TryParse(threshold, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Errors.ClientInputException.Invalid($"'threshold' must be a finite number above 0, not '{threshold}'.");

    private static OnnxAutoencoder Resolve(HttpRequest request, AutoencoderService service, string? name)
    {
        var model = service.Model(name);
        RequestLogContext.SetModel(request.HttpContext, model.Name, model.Provider.Name);
        return model;
    }
}
