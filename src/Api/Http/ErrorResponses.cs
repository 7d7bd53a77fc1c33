using System.Diagnostics;
using System.Globalization;
using Autoencoder.Api.Errors;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Autoencoder.Api.OpenApi;

namespace Autoencoder.Api.Http;

/// <summary>
/// The one place errors become HTTP: a domain fault's status and title, and the one writer every error response goes
/// through (the exception handler, status code pages, the rate limiter, the request timeout). The writer hands the
/// response to the problem details service, so a route with its own error shape (the Open Inference Protocol's
/// {"error": ...}) gets it whatever raised the error.
/// </summary>
public static partial class ErrorResponses
{
    public static int StatusFor(InputFault fault) => fault switch
    {
        InputFault.TooLarge => StatusCodes.Status413PayloadTooLarge,
        InputFault.UnsupportedFormat => StatusCodes.Status415UnsupportedMediaType,
        InputFault.NotFound => StatusCodes.Status404NotFound,
        InputFault.NotAcceptable => StatusCodes.Status406NotAcceptable,
        InputFault.ModelLacks or InputFault.Conflict => StatusCodes.Status409Conflict,
        InputFault.Unauthenticated => StatusCodes.Status401Unauthorized,
        InputFault.Forbidden => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status400BadRequest,
    };

    public static string TitleFor(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "Unauthorized",
        StatusCodes.Status403Forbidden => "Forbidden",
        StatusCodes.Status404NotFound => "Not found",
        StatusCodes.Status406NotAcceptable => "Not acceptable",
        StatusCodes.Status408RequestTimeout => "Request timeout",
        StatusCodes.Status409Conflict => "Conflict",
        StatusCodes.Status413PayloadTooLarge => "Request too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
        StatusCodes.Status429TooManyRequests => "Too many requests",
        StatusCodes.Status503ServiceUnavailable => "Service unavailable",
        _ => "Invalid request",
    };

    /// <summary>
    /// Writes an error response: <paramref name="status"/>, its title and <paramref name="detail"/>, and a
    /// Retry-After header when the client should simply try again later.
    /// </summary>
    public static ValueTask WriteAsync(HttpContext context, int status, string detail, int? retryAfterSeconds = null, Exception? exception = null)
    {
        context.Response.StatusCode = status;
        if (retryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = TitleFor(status), Detail = detail },
        });
    }

    /// <summary>
    /// Completes every problem body, whichever writer sends it: a detail for the problems the framework raises itself
    /// (unknown path, wrong method, a body over the endpoint's limit, a content type the endpoint does not take), which
    /// it leaves without one; and the type, title and trace id the framework's JSON writer adds, which a client whose
    /// Accept names no JSON would otherwise go without, as would a status the framework has no type for (429).
    /// </summary>
    public static void CompleteProblem(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        problem.Status ??= status;
        problem.Type ??= TypeFor(status);
        problem.Title ??= ReasonPhrases.GetReasonPhrase(status);
        problem.Extensions.TryAdd("traceId", Activity.Current?.Id ?? context.HttpContext.TraceIdentifier);

        var request = context.HttpContext.Request;
        var swagger = context.HttpContext.RequestServices.GetService<IOptions<SwaggerSettings>>()?.Value.Enabled ?? false;
        var what = swagger ? "; /swagger lists what it takes." : ".";
        problem.Detail ??= status switch
        {
            StatusCodes.Status404NotFound => $"There is no endpoint at {ClientText.Echo(request.Path)}{(swagger ? "; /swagger lists them." : ".")}",
            StatusCodes.Status405MethodNotAllowed => $"{ClientText.Echo(request.Path)} does not take {ClientText.Echo(request.Method)}{what}",
            StatusCodes.Status413PayloadTooLarge => TooLargeDetail(context.HttpContext),
            StatusCodes.Status415UnsupportedMediaType => $"{ClientText.Echo(request.Path)} does not take Content-Type '{ClientText.Echo(request.ContentType ?? "none")}'{what}",
            _ => null,
        };
    }

    /// <summary>The section of RFC 9110 (RFC 6585 for the statuses it added) that defines <paramref name="status"/>.</summary>
    public static string TypeFor(int status) => status switch
    {
        >= 400 and <= 418 => $"https://tools.ietf.org/html/rfc9110#section-15.5.{status - 399}",
        421 => "https://tools.ietf.org/html/rfc9110#section-15.5.20",
        422 => "https://tools.ietf.org/html/rfc9110#section-15.5.21",
        426 => "https://tools.ietf.org/html/rfc9110#section-15.5.22",
        428 => "https://tools.ietf.org/html/rfc6585#section-3",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        431 => "https://tools.ietf.org/html/rfc6585#section-5",
        >= 500 and <= 505 => $"https://tools.ietf.org/html/rfc9110#section-15.6.{status - 499}",
        _ => "about:blank",
    };

    /// <summary>
    /// The server refuses a body over the endpoint's limit before any handler runs, and some readers leave a bare 413
    /// behind; the endpoint's limit says what the client may send instead.
    /// </summary>
    private static string TooLargeDetail(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;
        return limit is { } bytes
            ? $"The request body is too large: {ClientText.Echo(context.Request.Path)} takes at most {bytes} bytes."
            : $"The request body is too large for {ClientText.Echo(context.Request.Path)}.";
    }

    /// <summary>
    /// Turns the exceptions a client can cause into 4xx responses that say what to fix. Anything else is left to the
    /// default handler: a 500 with no detail for the client and the exception in the log.
    /// </summary>
    public sealed partial class ExceptionHandler : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            var (status, detail, retryAfter) = exception switch
            {
                ClientInputException client => (StatusFor(client.Fault), client.Message, (int?)null),
                BadHttpRequestException badRequest => (badRequest.StatusCode, Describe(badRequest), null),
                OutOfRoomException busy => (StatusCodes.Status503ServiceUnavailable, busy.Message, busy.RetryAfterSeconds),
                ModelUnavailableException unavailable => (StatusCodes.Status503ServiceUnavailable, unavailable.Message, ModelUnavailableException.RetryAfterSeconds),

                // The memory budgets are meant to keep this from happening; should an estimate fall short, the request
                // still gets an answer it can act on, and the exception is logged as the error it is.
                OutOfMemoryException => (StatusCodes.Status503ServiceUnavailable, "The server ran short of memory for this request; retry shortly.", 1),
                _ => (0, "", null),
            };
            if (status == 0)
            {
                return false;
            }

            if (exception is OutOfMemoryException)
            {
                OutOfMemory(httpContext.RequestServices.GetRequiredService<ILogger<ExceptionHandler>>(), exception, httpContext.Request.Path);
            }

            if (status == StatusCodes.Status401Unauthorized)
            {
                httpContext.Response.Headers.WWWAuthenticate = "Bearer";
            }

            await WriteAsync(httpContext, status, detail, retryAfter, exception);
            return true;
        }

        [LoggerMessage(Level = LogLevel.Error, Message = "Out of memory answering {Path}: a memory estimate fell short")]
        private static partial void OutOfMemory(ILogger logger, Exception exception, string path);

        /// <summary>The framework's binding messages name the parameter; the JSON reader's say where in the body it failed.</summary>
        private static string Describe(BadHttpRequestException exception) => exception.InnerException switch
        {
            System.Text.Json.JsonException json => $"The JSON body is not valid: {json.Message}",
            _ => exception.Message,
        };
    }

    /// <summary>
    /// Writes the problem as application/problem+json when no other writer would, because the client's Accept header
    /// names only other types (an image, say): an error's body says what to fix, and carries the trace id to quote,
    /// whatever the client hoped to get.
    /// </summary>
    public sealed class WhateverTheAcceptWriter(Microsoft.Extensions.Options.IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
    {
        public bool CanWrite(ProblemDetailsContext context) => true;

        public ValueTask WriteAsync(ProblemDetailsContext context)
        {
            options.Value.CustomizeProblemDetails?.Invoke(context);
            var problem = context.ProblemDetails;
            return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync(problem, problem.GetType(), options: null, contentType: "application/problem+json"));
        }
    }
}
