using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Autoencoder.Api.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Endpoints;

/// <summary>Query parameters every inference endpoint takes.</summary>
/// <param name="Model">Which model to use; without it, the default model (see GET /models).</param>
/// <param name="Preprocess">"auto" (default): make any image MNIST-like first; "none": the image is already exactly the model's input.</param>
public readonly record struct InferenceQuery([FromQuery(Name = "model")] string? Model, [FromQuery(Name = "preprocess")] string? Preprocess)
{
    public bool ShouldPreprocess => Preprocess?.ToLowerInvariant() switch
    {
        null or "" or "auto" => true,
        "none" => false,
        _ => throw Errors.ClientInputException.BadRequest($"'preprocess' must be 'auto' or 'none', not '{Preprocess}'."),
    };
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
            .WithSummary("Encode an image to its latent vector")
            .WithDescription("Send a PNG or JPEG as form field 'image' or as the raw body (Content-Type image/png or image/jpeg).")
            .WithMetadata(new ImageUploadMetadata(ImageField))
            .WithBodyLimit(limits.MaxUploadBodyBytes);

        api.MapPost("/decode", Decode)
            .WithName("Decode")
            .WithSummary("Decode a latent vector to an image")
            .WithDescription("Returns a grayscale PNG; with Accept: application/json, the pixel values in [0,1] instead.")
            .WithMetadata(new PngResponseMetadata())
            .WithBodyLimit(limits.MaxJsonBodyBytes);

        api.MapPost("/reconstruct", Reconstruct)
            .WithName("Reconstruct")
            .WithSummary("Encode and decode an image")
            .WithDescription("Returns the reconstruction as a grayscale PNG; with Accept: application/json, the latent, the reconstruction as base64 PNG and the mean squared error between the model's input and its reconstruction.")
            .WithMetadata(new ImageUploadMetadata(ImageField), new PngResponseMetadata())
            .WithBodyLimit(limits.MaxUploadBodyBytes);

        api.MapPost("/interpolate", Interpolate)
            .WithName("Interpolate")
            .WithSummary("Blend two images in latent space")
            .WithDescription("Send form fields 'first' and 'second'. Returns one PNG strip: the first image (as the model saw it), the decodings of `steps` blends (1 - w) * first + w * second with w = i / (steps + 1), i = 1..steps, then the second image. With Accept: application/json, the weights, latents and frames.")
            .WithMetadata(new ImageUploadMetadata(FirstField, SecondField), new PngResponseMetadata())
            .WithBodyLimit(limits.MaxUploadBodyBytes);

        return api;
    }

    public static async Task<Ok<EncodeResponse>> Encode(
        HttpRequest request, [AsParameters] InferenceQuery query, ImageUploads uploads, ModelImages images, AutoencoderService service, CancellationToken cancellationToken)
    {
        var model = Resolve(request, service, query.Model);
        var input = images.ToModelInput(await uploads.ReadOneAsync(request, ImageField, cancellationToken), model.Manifest.Image, query.ShouldPreprocess);
        return TypedResults.Ok(new EncodeResponse(model.Name, await service.EncodeAsync(model, input, cancellationToken)));
    }

    public static async Task<Results<FileContentHttpResult, Ok<DecodeResponse>>> Decode(
        HttpRequest request, DecodeRequest? body, [FromQuery(Name = "model")] string? modelName, ModelImages images, AutoencoderService service, CancellationToken cancellationToken)
    {
        var model = Resolve(request, service, modelName);
        var latent = body?.Latent ?? throw Errors.ClientInputException.BadRequest("The body must be a JSON object with a 'latent' array of numbers.");
        var pixels = await service.DecodeAsync(model, latent, cancellationToken);
        var shape = model.Manifest.Image;
        return ResponseFormat.PrefersJson(request)
            ? TypedResults.Ok(new DecodeResponse(model.Name, shape.Width, shape.Height, pixels))
            : TypedResults.File(images.ToPng(pixels, shape), "image/png");
    }

    public static async Task<Results<FileContentHttpResult, Ok<ReconstructResponse>>> Reconstruct(
        HttpRequest request, [AsParameters] InferenceQuery query, ImageUploads uploads, ModelImages images, AutoencoderService service, CancellationToken cancellationToken)
    {
        var model = Resolve(request, service, query.Model);
        var shape = model.Manifest.Image;
        var input = images.ToModelInput(await uploads.ReadOneAsync(request, ImageField, cancellationToken), shape, query.ShouldPreprocess);
        var reconstruction = await service.ReconstructAsync(model, input, cancellationToken);
        var png = images.ToPng(reconstruction.Image, shape);
        return ResponseFormat.PrefersJson(request)
            ? TypedResults.Ok(new ReconstructResponse(model.Name, reconstruction.Latent, Convert.ToBase64String(png), reconstruction.MeanSquaredError))
            : TypedResults.File(png, "image/png");
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
        var first = images.ToModelInput(firstBytes, shape, query.ShouldPreprocess);
        var second = images.ToModelInput(secondBytes, shape, query.ShouldPreprocess);
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

    private static OnnxAutoencoder Resolve(HttpRequest request, AutoencoderService service, string? name)
    {
        var model = service.Model(name);
        RequestLogContext.SetModel(request.HttpContext, model.Name, model.Provider.Name);
        return model;
    }
}
