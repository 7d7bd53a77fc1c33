using Autoencoder.Api.Http;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Limits;

/// <summary>Marks an endpoint that runs the model: <see cref="InferenceAdmission"/> lets its requests in.</summary>
public sealed class InferenceEndpointMetadata
{
    public static readonly InferenceEndpointMetadata Instance = new();

    private InferenceEndpointMetadata()
    {
    }
}

/// <summary>A request body received whole before its handler runs (see <see cref="InferenceAdmission"/>): its length, declared or not.</summary>
public interface IReceivedBodyFeature
{
    long Length { get; }
}

/// <summary>
/// Lets a request to an inference endpoint in: first its whole body is received, within the memory budget for bodies
/// (<see cref="LimitsOptions.BodyBufferBytes"/>) and the time a body may take (<see cref="LimitsOptions.BodyTimeoutSeconds"/>),
/// then it waits for an inference slot. A client that sends headers and a few bytes, then nothing, so holds a little
/// memory until it is cut off (408), and never a slot that a complete request could run in.
/// </summary>
public sealed class InferenceAdmission(RequestDelegate next, InferenceSlots slots, BodyBufferBudget budget, IOptions<LimitsOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<InferenceEndpointMetadata>() is null)
        {
            await next(context);
            return;
        }

        var limits = options.Value;
        var isSmall = RequestLimits.IsSmall(context.Request, limits);
        BufferedBody? body = null;
        if (HasBody(context))
        {
            body = await ReceiveAsync(context, limits);
            if (body is null)
            {
                return;
            }
        }

        using (body)
        {
            using var slot = await slots.TakeAsync(isSmall, context.RequestAborted);
            if (slot is null)
            {
                await ErrorResponses.WriteAsync(
                    context, StatusCodes.Status503ServiceUnavailable, "Every inference slot and queue place is taken; retry shortly.", retryAfterSeconds: 1);
                return;
            }

            await next(context);
        }
    }

    private static bool HasBody(HttpContext context) =>
        context.Request.ContentLength != 0 && context.Features.Get<IHttpRequestBodyDetectionFeature>() is not { CanHaveBody: false };

    /// <summary>The body, received; or null once the client has been answered why not (and the connection is to close).</summary>
    private async Task<BufferedBody?> ReceiveAsync(HttpContext context, LimitsOptions limits)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(TimeSpan.FromSeconds(limits.BodyTimeoutSeconds));
        try
        {
            var body = await BufferedBody.ReadAsync(context.Request.Body, context.Request.ContentLength, budget, deadline.Token);
            var reader = PipeReader.Create(body.Content);
            context.Request.Body = reader.AsStream();
            var received = new ReceivedBody(reader, body.Content.Length);
            context.Features.Set<IRequestBodyPipeFeature>(received);
            context.Features.Set<IReceivedBodyFeature>(received);
            return body;
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            context.Response.Headers.Connection = "close";
            await ErrorResponses.WriteAsync(
                context, StatusCodes.Status408RequestTimeout,
                $"The request body did not arrive within the {limits.BodyTimeoutSeconds} s allowed; send it again, faster.");
        }
        catch (BodyBudgetExhaustedException)
        {
            context.Response.Headers.Connection = "close";
            await ErrorResponses.WriteAsync(
                context, StatusCodes.Status503ServiceUnavailable,
                "The server is receiving as many request bodies as its memory for them allows; retry shortly.", retryAfterSeconds: 1);
        }

        return null;
    }

    private sealed class ReceivedBody(PipeReader reader, long length) : IRequestBodyPipeFeature, IReceivedBodyFeature
    {
        public PipeReader Reader => reader;

        public long Length => length;
    }
}
