using Autoencoder.Api.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Autoencoder.Api.Endpoints;

/// <summary>POST /interpolate: two images' latents blended, decoded as a strip or JSON.</summary>
public static class InterpolateRoute
{
    /// <param name="call">The request, its model and the services.</param>
    /// <param name="steps">How many blends between the two images, 1 to 64 (default 6).</param>
    public static async Task<Results<FileContentHttpResult, Ok<InterpolateResponse>>> Handle([AsParameters] ImageCall call, [FromQuery(Name = "steps")] string? steps)
    {
        var model = call.ResolveModel();
        var count = QueryValues.Steps(steps);
        call.Reserve(AnswerMemory.Interpolation(model, count), $"An interpolation of {count} steps");
        var shape = model.Manifest.Image;
        var (firstBytes, secondBytes) = await call.Uploads.ReadTwoAsync(call.Request, ImageUploads.FirstField, ImageUploads.SecondField, call.CancellationToken);
        var first = await call.Images.ToModelInputAsync(firstBytes, shape, call.ImageHandlingFor(model), call.CancellationToken);
        var second = await call.Images.ToModelInputAsync(secondBytes, shape, call.ImageHandlingFor(model), call.CancellationToken);
        var interpolation = await call.Service.InterpolateAsync(model, first, second, count, call.CancellationToken);

        if (!ResponseFormat.PrefersJson(call.Request))
        {
            return TypedResults.File(call.Images.ToStrip([first, .. interpolation.Frames, second], shape), ResponseFormat.Png);
        }

        return TypedResults.Ok(new InterpolateResponse(
            model.Name,
            interpolation.Weights,
            interpolation.Latents,
            [.. interpolation.Frames.Select(frame => Convert.ToBase64String(call.Images.ToPng(frame, shape)))],
            Convert.ToBase64String(call.Images.ToPng(first, shape)),
            Convert.ToBase64String(call.Images.ToPng(second, shape))));
    }
}
