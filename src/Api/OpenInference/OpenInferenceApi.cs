using Autoencoder.Api.Http;
using System.Reflection;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Autoencoder.Api.Repository;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.OpenInference;

/// <summary>
/// The Open Inference Protocol's REST binding (KServe V2, as Triton, MLServer and OpenVINO Model Server speak it),
/// with Triton's binary tensor data extension. Every loaded model appears as "{name}-encoder" and "{name}-decoder";
/// inference goes through the same service, batching and limits as the image endpoints.
/// </summary>
public static class OpenInferenceApi
{
    public const string Prefix = "/v2";

    private const string ServerName = "autoencoder";
    private const string VersionRoute = "version";

    private static readonly string[] Extensions = ["binary_tensor_data", "model_repository", "statistics"];

    private static readonly string ServerVersion =
        typeof(OpenInferenceApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    public static bool IsProtocolPath(PathString path) => path.StartsWithSegments(Prefix, StringComparison.Ordinal);

    public static RouteGroupBuilder MapOpenInferenceApi(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<IOptions<LimitsOptions>>().Value;
        var api = app.MapGroup(Prefix)
            .WithTags("Open Inference Protocol")
            .ProducesErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

        api.MapGet("", ServerMetadata).WithName("OipServerMetadata").WithSummary("Server name, version and protocol extensions");
        api.MapGet("/health/live", Live).WithName("OipServerLive").WithSummary("Whether the process answers");
        api.MapGet("/health/ready", Ready).WithName("OipServerReady").WithSummary("Whether every model is loaded and warmed up; 503 until then");

        // Statistics of every model's every served version (a literal segment: it wins over a model named "stats").
        api.MapGet("/models/stats", Statistics).WithName("OipStatistics").WithSummary("Every served model version's request, run and queue counts and times (Triton's statistics extension)");

        // Without a version, a model's newest served version answers; with one, that version (GET /v2/models/NAME lists them).
        foreach (var (route, suffix) in new[] { ("/models/{name}", ""), ("/models/{name}/versions/{" + VersionRoute + "}", "Version") })
        {
            var model = api.MapGroup(route);
            model.MapGet("", Metadata).WithName("OipModelMetadata" + suffix).WithSummary("A model's input and output tensors");
            model.MapGet("/ready", ModelReady).WithName("OipModelReady" + suffix).WithSummary("Whether a model is loaded and warmed up");
            model.MapGet("/stats", StatisticsOf)
                .WithName("OipModelStatistics" + suffix)
                .WithSummary(suffix == "" ? "A model's statistics, one entry per served version" : "A model version's statistics");

            // Tensors can be large: the bulk body limit, and the inference slots and queue of the image endpoints.
            model.MapPost("/infer", Infer)
                .WithName("OipInfer" + suffix)
                .WithSummary("Run a model: JSON tensors, or a JSON header followed by binary tensors")
                .WithDescription("Send the protocol's inference request as JSON, or with binary tensors after it (Inference-Header-Content-Length header, 'binary_data_size' parameters). Outputs are JSON unless 'binary_data' or 'binary_data_output' asks for binary.")
                .WithBodyLimit(limits.MaxBulkBodyBytes)
                .RequireInferenceSlot()
                .ProducesErrors(StatusCodes.Status413PayloadTooLarge, StatusCodes.Status429TooManyRequests, StatusCodes.Status503ServiceUnavailable);
        }

        api.MapRepositoryApi();
        return api;
    }

    /// <summary>Who answers and which protocol extensions it speaks, over REST and gRPC alike.</summary>
    public static ServerMetadataResponse Server { get; } = new(ServerName, ServerVersion, Extensions);

    public static Ok<ServerMetadataResponse> ServerMetadata() => TypedResults.Ok(Server);

    public static Ok<ServerLiveResponse> Live() => TypedResults.Ok(new ServerLiveResponse(true));

    public static Results<Ok<ServerReadyResponse>, JsonHttpResult<ServerReadyResponse>> Ready(ModelRepository repository) =>
        repository.Readiness().Ready
            ? TypedResults.Ok(new ServerReadyResponse(true))
            : TypedResults.Json(new ServerReadyResponse(false), statusCode: StatusCodes.Status503ServiceUnavailable);

    public static Ok<ModelMetadataResponse> Metadata(string name, HttpRequest request, ModelRegistry registry) =>
        TypedResults.Ok(Find(request, registry, name).Metadata());

    public static Results<Ok<ModelReadyResponse>, JsonHttpResult<ModelReadyResponse>> ModelReady(string name, HttpRequest request, ModelRegistry registry)
    {
        var model = Find(request, registry, name);
        return registry.IsWarm
            ? TypedResults.Ok(new ModelReadyResponse(model.Name, true))
            : TypedResults.Json(new ModelReadyResponse(model.Name, false), statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    public static Ok<ModelStatisticsResponse> Statistics(InferenceStatistics statistics) =>
        TypedResults.Ok(ModelStatisticsResponse.From(statistics.Snapshot()));

    /// <summary>Without a version in the route, every served version of the model, as Triton answers.</summary>
    public static Ok<ModelStatisticsResponse> StatisticsOf(string name, HttpRequest request, InferenceStatistics statistics) =>
        TypedResults.Ok(ModelStatisticsResponse.From(statistics.Snapshot(name, request.RouteValues[VersionRoute] as string)));

    public static async Task<Results<Ok<InferenceResponse>, FileContentHttpResult, PushStreamHttpResult>> Infer(
        string name,
        HttpRequest request,
        ModelRegistry registry,
        AutoencoderService service,
        IOptions<LimitsOptions> limits,
        WorkMemory memory,
        CancellationToken cancellationToken)
    {
        // The version runs this request to its end, streamed answer included, even if it is replaced meanwhile.
        ProtocolModel model = null!;
        request.HttpContext.Response.RegisterForDispose(ModelRegistry.Leased(() => (model = Find(request, registry, name)).Model));
        RequestLogContext.SetModel(request.HttpContext, model.Name, model.Model.Provider.Name);
        var inference = await InferenceRequestReader.ReadAsync(request, model, limits.Value, cancellationToken);

        // A binary answer of more than a batch is written a window at a time, and holds a window's output; any other
        // answer holds its whole output as floats (and a binary one its bytes too) until it is written.
        var streamed = inference.BinaryOutput && inference.Count > AutoencoderService.ChunkSize;
        var rows = streamed ? Math.Min(inference.Count, AutoencoderService.WindowRows) : inference.Count;
        var outputBytes = (long)rows * model.OutputRowSize * sizeof(float);
        IAsyncEnumerable<float[]>? windows = null;
        try
        {
            request.HttpContext.Response.RegisterForDispose(
                memory.Reserve(inference.BinaryOutput ? 2 * outputBytes : outputBytes, $"A batch of {inference.Count} for {model.Name}"));
            if (streamed)
            {
                windows = model.RunInWindows(service, inference.Rows, inference.Count, cancellationToken);
            }
        }
        catch
        {
            inference.ReturnRows();
            throw;
        }

        if (windows is not null)
        {
            return InferenceResponseWriter.Stream(request, model, inference, windows);
        }

        var output = await model.RunAsync(service, inference.Rows, inference.Count, cancellationToken);
        inference.ReturnRows();
        return InferenceResponseWriter.Write(request.HttpContext.Response, model, inference, output);
    }

    /// <summary>Errors here are {"error": ...} bodies (see <see cref="ProtocolErrorWriter"/>), not problem responses.</summary>
    private static TBuilder ProducesErrors<TBuilder>(this TBuilder builder, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ErrorResponse), ["application/json"]));
        }

        return builder;
    }

    private static ProtocolModel Find(HttpRequest request, ModelRegistry registry, string name) =>
        ProtocolModel.Find(registry, name, request.RouteValues[VersionRoute] as string);
}
