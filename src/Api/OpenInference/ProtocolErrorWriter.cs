using Microsoft.Extensions.Options;

namespace Autoencoder.Api.OpenInference;

/// <summary>
/// On the protocol's routes every error is {"error": "..."}, as its clients expect, instead of a problem response.
/// Whatever produces the error (the exception handler mapping domain errors, status code pages, the rate limiter,
/// the request timeout) writes it through the problem details service, so this one writer covers them all.
/// </summary>
public sealed class ProtocolErrorWriter(IOptions<ProblemDetailsOptions> options) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => OpenInferenceApi.IsProtocolPath(context.HttpContext.Request.Path);

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        // The service's own wording for errors the framework raises (unknown path, wrong method, body too large).
        options.Value.CustomizeProblemDetails?.Invoke(context);
        var problem = context.ProblemDetails;
        var message = problem.Detail ?? problem.Title ?? "The request failed.";
        return new ValueTask(context.HttpContext.Response.WriteAsJsonAsync(new ErrorResponse(message)));
    }
}
