using System.ComponentModel.DataAnnotations;
using Autoencoder.Api.Endpoints;
using Autoencoder.Api.OpenInference;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Http;

/// <summary>
/// Which other origins' pages may call the API from a browser. Bound from the "Cors" configuration section; none by
/// default, so a browser lets only the service's own page read its answers.
/// </summary>
public sealed class CrossOriginOptions : IValidatableObject
{
    public const string Section = "Cors";

    /// <summary>Origins as a browser sends them ("https://example.org", "http://localhost:3000"): scheme, host and port, nothing more.</summary>
    public string[] Origins { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // A browser's Origin never has a path, query or trailing slash, so an origin written with one would never match.
        foreach (var origin in Origins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.GetLeftPart(UriPartial.Authority) != origin.TrimEnd())
            {
                yield return new ValidationResult(
                    $"Cors:Origins holds '{origin}', which is not an origin: write a scheme, host and optional port only, as in 'https://example.org' or 'http://localhost:3000'.",
                    [nameof(Origins)]);
            }
        }
    }
}

public static class CrossOrigin
{
    /// <summary>What a cross-origin client sends besides the CORS-safelisted headers: JSON and binary bodies, and the protocol's JSON length.</summary>
    private static readonly string[] RequestHeaders = ["Content-Type", "Accept", InferenceRequestReader.HeaderLengthHeader];

    /// <summary>The API's own response headers a script may read: the seeds that reproduce an answer, when to retry, the protocol's JSON length.</summary>
    private static readonly string[] ResponseHeaders =
        [GenerateRoute.GenerateSeedHeader, DenoiseRoute.NoiseSeedHeader, "Retry-After", InferenceRequestReader.HeaderLengthHeader];

    public static IServiceCollection AddCrossOrigin(this IServiceCollection services)
    {
        services.AddOptions<CrossOriginOptions>().BindConfiguration(CrossOriginOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<IOptions<CrossOriginOptions>>((cors, origins) =>
            cors.AddDefaultPolicy(policy => policy
                .WithOrigins(origins.Value.Origins)
                .WithMethods(HttpMethods.Get, HttpMethods.Head, HttpMethods.Post)
                .WithHeaders(RequestHeaders)
                .WithExposedHeaders(ResponseHeaders)));
        return services;
    }

    /// <summary>Only with origins configured: without any, no request pays for the policy check.</summary>
    public static WebApplication UseCrossOrigin(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<CrossOriginOptions>>().Value.Origins.Length > 0)
        {
            app.UseCors();
        }

        return app;
    }
}
