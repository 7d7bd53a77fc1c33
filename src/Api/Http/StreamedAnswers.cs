using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Timeouts;

namespace Autoencoder.Api.Http;

/// <summary>Answers written as they are made, by both front doors.</summary>
public static class StreamedAnswers
{
    /// <summary>
    /// An answer written as it is made. Once it starts, the request's time limit (Limits:RequestTimeoutSeconds) no longer
    /// applies: the limit would cut off a large answer midway, a 200 with half a body, while each window of it is bounded
    /// work, and a client that stops reading is cut off by the server's minimum response rate.
    /// </summary>
    public static PushStreamHttpResult Stream(HttpRequest request, Func<Stream, Task> write, string contentType) =>
        TypedResults.Stream(
            output =>
            {
                request.HttpContext.Features.Get<IHttpRequestTimeoutFeature>()?.DisableTimeout();
                return write(output);
            },
            contentType);

}
