using Autoencoder.Api.Inference;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Autoencoder.Api.Health;

/// <summary>Liveness: the process answers.</summary>
/// <param name="Status">Always "Healthy".</param>
public sealed record LivenessReport(string Status);

/// <summary>Readiness: overall status, why, and each model with where it runs.</summary>
/// <param name="Status">"Healthy" once every model is loaded and warmed up, else "Unhealthy".</param>
/// <param name="Detail">What the checks said.</param>
/// <param name="Models">Each loaded model and its execution provider.</param>
public sealed record ReadinessReport(string Status, string? Detail, IReadOnlyList<ModelReadiness> Models);

/// <summary>One model in the readiness report.</summary>
/// <param name="Name">The model's name.</param>
/// <param name="ExecutionProvider">CUDAExecutionProvider or CPUExecutionProvider.</param>
/// <param name="FallbackReason">Why it runs on CPU although CUDA was allowed, if so.</param>
public sealed record ModelReadiness(string Name, string ExecutionProvider, string? FallbackReason);

/// <summary>GET /health/live and GET /health/ready, for orchestrators' probes.</summary>
public static class HealthApi
{
    public const string ReadyTag = "ready";

    public static RouteGroupBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/health").WithTags("Health");
        health.MapGet("/live", Live).WithName("Live").WithSummary("Whether the process answers (it may still be loading models)");
        health.MapGet("/ready", Ready).WithName("Ready").WithSummary("Whether every model is loaded and warmed up; 503 until then");
        return health;
    }

    public static Ok<LivenessReport> Live() => TypedResults.Ok(new LivenessReport(nameof(HealthStatus.Healthy)));

    public static async Task<Results<Ok<ReadinessReport>, JsonHttpResult<ReadinessReport>>> Ready(
        HealthCheckService checks, ModelRegistry registry, CancellationToken cancellationToken)
    {
        var report = await checks.CheckHealthAsync(check => check.Tags.Contains(ReadyTag), cancellationToken);
        var body = new ReadinessReport(
            report.Status.ToString(),
            report.Entries.Values.Select(entry => entry.Description).FirstOrDefault(),
            [.. registry.All.OrderBy(model => model.Name, StringComparer.Ordinal)
                .Select(model => new ModelReadiness(model.Name, model.Provider.Name, model.Provider.FallbackReason))]);
        return report.Status == HealthStatus.Healthy
            ? TypedResults.Ok(body)
            : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
