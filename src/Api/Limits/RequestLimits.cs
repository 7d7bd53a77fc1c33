using Autoencoder.Api.Endpoints;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Limits;

/// <summary>
/// Body sizes, multipart limits, request timeouts, per-client rate limiting, the inference concurrency limit and the
/// memory for connection buffers, all from <see cref="LimitsOptions"/>. Rejections are problem responses with a
/// Retry-After where one helps.
/// </summary>
public static class RequestLimits
{
    /// <summary>The rate-limiting policy of the inference endpoints: a bounded number at once, the rest queued.</summary>
    public const string InferencePolicy = "inference";

    private const string SmallPartition = "small";
    private const string LargePartition = "large";

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

            // Small requests (a digit's PNG) and the rest take turns separately: a body can be buffered only within
            // its class's slots, so memory for bodies stays bounded, while thousands of digits a second are not held
            // to the few slots that 20 MB uploads need. What they decode is bounded by the DecodeBudget either way.
            var small = Concurrency(limits.EffectiveSmallRequestConcurrency, limits.InferenceQueue);
            var large = Concurrency(limits.EffectiveInferenceConcurrency, limits.InferenceQueue);
            rateLimiter.AddPolicy(InferencePolicy, context => IsSmall(context.Request, limits)
                ? RateLimitPartition.GetConcurrencyLimiter(SmallPartition, _ => small)
                : RateLimitPartition.GetConcurrencyLimiter(LargePartition, _ => large));
            rateLimiter.OnRejected = (context, cancellationToken) => Reject(context.HttpContext, context.Lease, limits);
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

    private static ConcurrencyLimiterOptions Concurrency(int permits, int queue) => new()
    {
        PermitLimit = permits,
        QueueLimit = queue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    };

    /// <summary>Rate limits first (cheapest), then timeouts; the body-size limits travel as endpoint metadata.</summary>
    public static WebApplication UseRequestLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        app.UseRequestTimeouts();
        return app;
    }

    /// <summary>The largest body an endpoint accepts; the server refuses more with 413 while reading.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestSizeLimitAttribute(bytes));

    /// <summary>
    /// The per-client rate limit says when a permit frees up (429); a full inference queue does not, so it gets
    /// 503 and a short Retry-After: the server is busy, not the client over its quota.
    /// </summary>
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
            context, StatusCodes.Status503ServiceUnavailable,
            "Every inference slot and queue place is taken; retry shortly.",
            retryAfterSeconds: 1);
    }
}
