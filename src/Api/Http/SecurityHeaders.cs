using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Autoencoder.Api.Http;

/// <summary>
/// Headers every answer carries, errors included, so that a browser never sniffs a body into another type, frames the
/// page or Swagger UI in someone else's site, or tells another origin where its user came from. They are added as the
/// response starts: the exception handler clears the headers of a response it replaces.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// The page runs only its own modules and styles. Its pictures are the service's PNGs as data: URLs, which it also
    /// fetches back into blobs to send them on.
    /// </summary>
    public const string PagePolicy = "default-src 'self'; img-src 'self' data:; connect-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Swagger UI sets styles on its elements, draws its icons as data: images and shows an image answer as a blob: URL.</summary>
    public const string SwaggerUiPolicy = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly Func<object, Task> AddHeaders = state =>
    {
        var context = (HttpContext)state;
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/swagger", StringComparison.OrdinalIgnoreCase) ? SwaggerUiPolicy : PagePolicy;
        return Task.CompletedTask;
    };

    /// <summary>Kestrel names itself in a Server header unless told not to; a client has no use for it, an attacker some.</summary>
    public static IServiceCollection AddSecurityHeaders(this IServiceCollection services) =>
        services.Configure<KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(AddHeaders, context);
            return next(context);
        });
        return app;
    }
}
