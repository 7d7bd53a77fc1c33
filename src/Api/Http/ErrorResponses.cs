using System.Globalization;
using Autoencoder.Api.Errors;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

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
        InputFault.ModelLacks => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status400BadRequest,
    };

    public static string TitleFor(int status) => status switch
    {
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
    /// A detail for the problems the framework raises itself (unknown path, wrong method, a body over the endpoint's
    /// limit, a content type the endpoint does not take), which it leaves without one.
    /// </summary>
    public static void DescribeFrameworkProblem(ProblemDetailsContext context)
    {
        var request = context.HttpContext.Request;
        context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
        {
            StatusCodes.Status404NotFound => $"There is no endpoint at {request.Path}; /swagger lists them.",
            StatusCodes.Status405MethodNotAllowed => $"{request.Path} does not take {request.Method}; /swagger lists what it takes.",
            StatusCodes.Status413PayloadTooLarge => TooLargeDetail(context.HttpContext),
            StatusCodes.Status415UnsupportedMediaType => $"{request.Path} does not take Content-Type '{request.ContentType ?? "none"}'; /swagger lists what it takes.",
            _ => null,
        };
    }

    /// <summary>
    /// The server refuses a body over the endpoint's limit before any handler runs, and some readers leave a bare 413
    /// behind; the endpoint's limit says what the client may send instead.
    /// </summary>
    private static string TooLargeDetail(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;
        return limit is { } bytes
            ? $"The request body is too large: {context.Request.Path} takes at most {bytes} bytes."
            : $"The request body is too large for {context.Request.Path}.";
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
    /// names only other types (an image, say): an error's body says what to fix whatever the client hoped to get.
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
