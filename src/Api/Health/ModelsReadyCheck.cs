using Autoencoder.Api.Inference;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Autoencoder.Api.Health;

/// <summary>Ready once every model is loaded and has answered a warm-up inference.</summary>
public sealed class ModelsReadyCheck(ModelRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(registry.IsWarm
            ? HealthCheckResult.Healthy($"{registry.All.Count} model(s) loaded and warmed up")
            : HealthCheckResult.Unhealthy("models are still loading"));
}
