using Autoencoder.Api.Http;
using Autoencoder.Api.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Autoencoder.Api.Endpoints;

/// <summary>POST /reconstruct: an image encoded and decoded, as PNG or, with the latent and the error, JSON.</summary>
public static class ReconstructRoute
{
    public static async Task<Results<FileContentHttpResult, Ok<ReconstructResponse>>> Handle([AsParameters] ImageCall call)
    {
        var model = call.ResolveModel();
        var shape = model.Manifest.Image;
        var input = await call.ReadImageAsync(model);
        var reconstruction = await call.Service.ReconstructAsync(model, input, call.CancellationToken);
        var png = call.Images.ToPng(reconstruction.Image, shape);
        if (!ResponseFormat.PrefersJson(call.Request))
        {
            return TypedResults.File(png, ResponseFormat.Png);
        }

        var error = reconstruction.MeanSquaredError;
        return TypedResults.Ok(new ReconstructResponse(
            model.Name,
            reconstruction.Latent,
            Convert.ToBase64String(png),
            error,
            AnomalyScores.Percentile(model.Manifest, error),
            Convert.ToBase64String(call.Images.ToPng(input, shape))));
    }
}
