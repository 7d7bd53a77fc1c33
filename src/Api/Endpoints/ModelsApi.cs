using Autoencoder.Api.Inference;
using Autoencoder.Core;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Autoencoder.Api.Endpoints;

/// <summary>GET /models and /models/{name}: what is loaded and where it runs.</summary>
public static class ModelsApi
{
    public static RouteGroupBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/models").WithTags("Models");
        api.MapGet("", List).WithName("ListModels").WithSummary("List the loaded models");
        api.MapGet("/{name}", Get).WithName("GetModel").WithSummary("Describe one loaded model").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    public static Ok<ModelInfo[]> List(ModelRegistry registry) =>
        TypedResults.Ok(registry.All.OrderBy(model => model.Name, StringComparer.Ordinal).Select(model => Describe(model, registry)).ToArray());

    public static Ok<ModelInfo> Get(string name, AutoencoderService service, ModelRegistry registry) =>
        TypedResults.Ok(Describe(service.Model(name), registry));

    private static ModelInfo Describe(OnnxAutoencoder model, ModelRegistry registry)
    {
        var manifest = model.Manifest;
        return new ModelInfo(
            model.Name,
            model.Name == registry.DefaultName,
            manifest.Architecture,
            manifest.LatentSize,
            manifest.Image,
            manifest.ImageHandling.Name(),
            manifest.Dataset,
            manifest.Metrics.Test,
            manifest.ReconstructionErrors,
            manifest.Contract,
            manifest.Recipe,
            model.Provider.Name,
            model.Provider.FallbackReason,
            model.LatentMap is not null,
            manifest.Noise?.Select(noise => noise.ToString()).ToArray(),
            manifest.Prior is { } prior ? new PriorInfo(prior.Kind, prior.Components.Count, prior.FittedTo) : null);
    }
}
