using System.Text.Json;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Limits;
using Autoencoder.Api.Repository;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Autoencoder.Api.OpenInference;

/// <summary>
/// The protocol's model repository extension, as Triton has it: the index of every model and version with its state,
/// and load and unload by model name. Closed unless Models:ControlKey is configured and presented.
/// </summary>
public static class RepositoryApi
{
    /// <summary>The largest body a repository call reads: {"ready": true}, or a load's parameters, which are not used.</summary>
    private const long MaxBodyBytes = 64 * 1024;

    public static RouteGroupBuilder MapRepositoryApi(this RouteGroupBuilder protocol)
    {
        // They change what the service runs: the key is checked before anything else of the request is looked at.
        var repository = protocol.MapGroup("/repository")
            .AddEndpointFilter(async (context, next) =>
            {
                context.HttpContext.RequestServices.GetRequiredService<ControlKey>().Require(context.HttpContext.Request.Headers.Authorization);
                return await next(context);
            })
            .WithBodyLimit(MaxBodyBytes)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        repository.MapPost("/index", Index)
            .WithName("OipRepositoryIndex")
            .WithSummary("Every model and version in the repository, with its state (READY, LOADING, UNLOADING, UNAVAILABLE) and why it is not ready")
            .WithDescription("Needs Authorization: Bearer with Models:ControlKey. An optional body {\"ready\": true} lists only the versions ready.");
        repository.MapPost("/models/{name}/load", Load)
            .WithName("OipRepositoryModelLoad")
            .WithSummary("Load a model's served versions from its folder, or load them again if loaded; answers once they serve")
            .WithDescription("Needs Authorization: Bearer with Models:ControlKey and Models:Control explicit (or poll, where it makes the folder be looked at now). A version that fails keeps serving the copy loaded before, if any; the answer says why it failed.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        repository.MapPost("/models/{name}/unload", Unload)
            .WithName("OipRepositoryModelUnload")
            .WithSummary("Stop serving every version of a model; requests already running on it finish first")
            .WithDescription("Needs Authorization: Bearer with Models:ControlKey and Models:Control explicit. The default model is not unloaded (409).")
            .ProducesProblem(StatusCodes.Status409Conflict);
        return repository;
    }

    public static async Task<Ok<RepositoryEntry[]>> Index(HttpRequest request, ModelRepository repository, CancellationToken cancellationToken) =>
        TypedResults.Ok(repository.Index(await ReadyOnlyAsync(request, cancellationToken)).ToArray());

    public static async Task<Ok> Load(string name, ModelRepository repository, CancellationToken cancellationToken)
    {
        await repository.LoadAsync(name, cancellationToken);
        return TypedResults.Ok();
    }

    public static async Task<Ok> Unload(string name, ModelRepository repository, CancellationToken cancellationToken)
    {
        await repository.UnloadAsync(name, cancellationToken);
        return TypedResults.Ok();
    }

    /// <summary>The index request's "ready" flag; a request without a body asks for every entry.</summary>
    private static async Task<bool> ReadyOnlyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        if (body.Length == 0)
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("ready", out var ready)
                && (ready.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? ready.GetBoolean()
                    : throw ClientInputException.Invalid("The index request's 'ready' is true or false."));
        }
        catch (JsonException e)
        {
            throw ClientInputException.Invalid($"The index request is not valid JSON: {e.Message}");
        }
    }
}
