using Autoencoder.Api.Errors;
using Autoencoder.Api.Inference;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Autoencoder.Api.Endpoints;

/// <summary>GET /models/{name}/latent-map: a model's test images placed in 2-D, and how a point maps back to a latent.</summary>
public static class LatentMapApi
{
    public static RouteGroupBuilder MapLatentMapApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/models").WithTags("Models");
        api.MapGet("/{name}/latent-map", Get)
            .WithName("GetLatentMap")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The model's latent map: test images' latents projected onto their two principal components")
            .WithDescription("A point (x, y) of the map stands for the latent mean + x * components[0] + y * components[1]; POST it to /decode to see it. 404 for a model folder without latent-map.json (made by `autoencoder-train latent-map`); GET /models says which models have one.");
        return api;
    }

    /// <param name="name">The model.</param>
    /// <param name="version">Which of its versions; without it, the newest served.</param>
    /// <param name="service">The models.</param>
    public static Ok<LatentMapResponse> Get(string name, [FromQuery(Name = "version")] string? version, AutoencoderService service)
    {
        var model = service.Model(name, QueryValues.Version(version));
        var map = model.LatentMap ?? throw ClientInputException.NotFound(
            $"Model '{model.Name}' has no latent map; `autoencoder-train latent-map` makes one (latent-map.json in its folder).");

        return TypedResults.Ok(new LatentMapResponse(model.Name, map.Dataset, map.FittedImages, map.Mean, map.Components, map.ExplainedVariance, map.Points, map.Examples));
    }
}
