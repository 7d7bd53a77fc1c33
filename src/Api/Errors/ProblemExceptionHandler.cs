using Autoencoder.Api.Images;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Autoencoder.Api.Errors;

/// <summary>
/// Turns the exceptions a client can cause into 4xx problem responses that say what to fix. Anything else is
/// left to the default handler: a 500 with no detail for the client and the exception in the log.
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = exception switch
        {
            ClientInputException client => (client.StatusCode, client.Title, client.Message),
            ImageRejectedException image => (image.StatusCode, TitleFor(image.StatusCode), image.Message),
            BadHttpRequestException badRequest => (badRequest.StatusCode, TitleFor(badRequest.StatusCode), Describe(badRequest)),
            _ => (0, "", ""),
        };
        if (status == 0)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    private static string TitleFor(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "Request too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
        _ => "Invalid request",
    };

    /// <summary>The framework's binding messages name the parameter; the JSON reader's say where in the body it failed.</summary>
    private static string Describe(BadHttpRequestException exception) => exception.InnerException switch
    {
        System.Text.Json.JsonException json => $"The JSON body is not valid: {json.Message}",
        _ => exception.Message,
    };
}
