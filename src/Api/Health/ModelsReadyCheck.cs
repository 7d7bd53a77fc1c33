using Autoencoder.Api.Repository;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Autoencoder.Api.Health;

/// <summary>Ready once the models the service starts with are loaded and warmed up, and while every required model is served.</summary>
public sealed class ModelsReadyCheck(ModelRepository repository) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (ready, reason) = repository.Readiness();
        return Task.FromResult(ready ? HealthCheckResult.Healthy(reason) : HealthCheckResult.Unhealthy(reason));
    }
}
