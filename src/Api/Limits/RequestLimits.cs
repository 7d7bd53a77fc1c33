using Autoencoder.Api.Http;
using Autoencoder.Api.Metrics;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Limits;

/// <summary>
/// Body sizes, multipart limits, request timeouts, per-client rate limiting, the inference slots, the memory for request
/// bodies and for connection buffers, and how slow a client may be, all from <see cref="LimitsOptions"/>. Rejections are problem responses with a
/// Retry-After where one helps.
/// </summary>
public static class RequestLimits
{
    /// <summary>How much larger than its JSON a batch of latents becomes as float pixels (20 numbers in, 784 out).</summary>
    private const int JsonExpansion = 16;

    public static IServiceCollection AddRequestLimits(this IServiceCollection services)
    {
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        // Registered after the server's own factory, so Kestrel's connections take their buffers from this one.
        services.AddSingleton<IMemoryPoolFactory<byte>, ConnectionBufferPool.Factory>();

        services.AddOptions<FormOptions>().Configure<IOptions<LimitsOptions>>((form, limits) =>
        {
            form.MultipartBodyLengthLimit = limits.Value.MaxUploadBodyBytes;
            form.ValueCountLimit = limits.Value.MaxFormFiles + 16;
            form.MultipartHeadersLengthLimit = 16 * 1024;
            form.KeyLengthLimit = 1024;
        });

        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<LimitsOptions>>((timeouts, limits) =>
            timeouts.DefaultPolicy = new RequestTimeoutPolicy
            {
                Timeout = TimeSpan.FromSeconds(limits.Value.RequestTimeoutSeconds),
                TimeoutStatusCode = StatusCodes.Status503ServiceUnavailable,
                WriteTimeoutResponse = context => ErrorResponses.WriteAsync(
                    context, StatusCodes.Status503ServiceUnavailable,
                    $"The request took longer than the {limits.Value.RequestTimeoutSeconds} s allowed and was cancelled; try again, or send a smaller image.",
                    retryAfterSeconds: 1).AsTask(),
            });

        // Per-client rate limiting, when configured, is the rate limiter's global limiter: checked first, cheapest.
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<LimitsOptions>>((rateLimiter, options) =>
        {
            var limits = options.Value;

            // Off by default; then no global limiter is consulted at all, rather than one that always says yes.
            if (limits.RateLimitPermits > 0)
            {
                rateLimiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetFixedWindowLimiter(
                    context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = limits.RateLimitPermits,
                        Window = TimeSpan.FromSeconds(limits.RateLimitWindowSeconds),
                        QueueLimit = 0,
                    }));
            }

            rateLimiter.OnRejected = (context, cancellationToken) => Reject(context.HttpContext, context.Lease, limits);
        });

        // Bodies first, within their memory budget, then a slot: see InferenceAdmission.
        services.TryAddSingleton<ApiMetrics>();
        services.AddSingleton<InferenceSlots>();
        services.AddSingleton(provider => new BodyBufferBudget(
            provider.GetRequiredService<IOptions<LimitsOptions>>().Value.EffectiveBodyBufferBytes, provider.GetRequiredService<ApiMetrics>()));

        // What requests produce is reserved before the work starts, as bodies are before they are received.
        services.AddSingleton(provider => new WorkMemory(
            provider.GetRequiredService<IOptions<LimitsOptions>>().Value.EffectiveWorkMemoryBytes, provider.GetRequiredService<ApiMetrics>()));

        // Slow senders are cut off by the server itself: headers within a time, bodies at a least rate, and no client
        // holding more than its share of connections.
        services.AddSingleton(provider => new ClientConnections(
            provider.GetRequiredService<IOptions<LimitsOptions>>().Value.MaxConnectionsPerClient, provider.GetRequiredService<ApiMetrics>()));
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>, IServiceProvider>((kestrel, options, provider) =>
        {
            var limits = options.Value;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(limits.HeadersTimeoutSeconds);
            kestrel.Limits.MinRequestBodyDataRate = limits.MinBodyBytesPerSecond > 0
                ? new MinDataRate(limits.MinBodyBytesPerSecond, TimeSpan.FromSeconds(limits.MinBodyRateGraceSeconds))
                : null;
            if (limits.MaxConnectionsPerClient > 0)
            {
                var connections = provider.GetRequiredService<ClientConnections>();
                kestrel.ConfigureEndpointDefaults(listen => listen.Use(connections.Use));
            }
        });
        return services;
    }

    /// <summary>
    /// Whether a request takes one of the small requests' slots: an image upload (raw or multipart) that declares a
    /// body of at most <see cref="LimitsOptions.SmallRequestBytes"/>, or a JSON body of at most a sixteenth of that
    /// (latents as JSON grow about sixteen-fold when decoded to pixels). Bulk bodies (.npy, IDX) and bodies of
    /// undeclared length never do: what they expand to is bounded only by the bulk limits. An image's own expansion
    /// is bounded by the <see cref="DecodeBudget"/>.
    /// </summary>
    public static bool IsSmall(HttpRequest request, LimitsOptions limits)
    {
        if (request.ContentLength is not { } length)
        {
            return false;
        }

        if (request.HasJsonContentType())
        {
            return length <= limits.SmallRequestBytes / JsonExpansion;
        }

        var type = request.ContentType;
        return length <= limits.SmallRequestBytes
            && type is not null
            && (type.StartsWith("image/", StringComparison.OrdinalIgnoreCase) || type.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Rate limits first (cheapest), then inference requests' bodies and slots, then the request timeout, which runs from
    /// when a request has its slot. The body-size limits travel as endpoint metadata.
    /// </summary>
    public static WebApplication UseRequestLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        app.UseMiddleware<InferenceAdmission>();
        app.UseRequestTimeouts();
        return app;
    }

    /// <summary>Marks inference endpoints: their bodies are received first, then they take a slot (see <see cref="InferenceAdmission"/>).</summary>
    public static TBuilder RequireInferenceSlot<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(InferenceEndpointMetadata.Instance);

    /// <summary>The largest body an endpoint accepts; the server refuses more with 413 while reading.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestSizeLimitAttribute(bytes));

    /// <summary>The per-client rate limit says when a permit frees up (429).</summary>
    private static ValueTask Reject(HttpContext context, RateLimitLease lease, LimitsOptions limits)
    {
        if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            return ErrorResponses.WriteAsync(
                context, StatusCodes.Status429TooManyRequests,
                $"This client may make {limits.RateLimitPermits} requests per {limits.RateLimitWindowSeconds} s; retry after {seconds} s.",
                seconds);
        }

        return ErrorResponses.WriteAsync(
            context, StatusCodes.Status429TooManyRequests, $"This client may make {limits.RateLimitPermits} requests per {limits.RateLimitWindowSeconds} s.");
    }
}
