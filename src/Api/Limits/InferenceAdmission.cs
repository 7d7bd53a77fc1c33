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
            // A gRPC call declares no length: once received, its message is small if its bytes are.
            isSmall |= IsGrpc(context) && body is not null && body.Content.Length <= limits.SmallRequestBytes;
            using var slot = await slots.TakeAsync(isSmall, context.RequestAborted);
            if (slot is null)
            {
                await RefuseAsync(context, StatusCodes.Status503ServiceUnavailable, "Every inference slot and queue place is taken; retry shortly.");
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
        CancellationTokenSource? deadline = null;
        try
        {
            // Most small bodies are here with their headers: taken as they are, without a timer for a wait there is not.
            if (context.Request.ContentLength is not { } declared || BufferedBody.TryTakeReceived(context.Request.BodyReader, declared, budget) is not { } body)
            {
                deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                deadline.CancelAfter(TimeSpan.FromSeconds(limits.BodyTimeoutSeconds));
                body = await BufferedBody.ReadAsync(context.Request.Body, context.Request.ContentLength, budget, deadline.Token);
            }

            Install(context, body);
            return body;
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            await RefuseAsync(
                context, StatusCodes.Status408RequestTimeout, $"The request body did not arrive within the {limits.BodyTimeoutSeconds} s allowed; send it again, faster.", close: true);
        }
        catch (BodyBudgetExhaustedException)
        {
            await RefuseAsync(
                context, StatusCodes.Status503ServiceUnavailable, "The server is receiving as many request bodies as its memory for them allows; retry shortly.", close: true);
        }
        catch (BadHttpRequestException tooLarge) when (tooLarge.StatusCode == StatusCodes.Status413PayloadTooLarge && IsGrpc(context))
        {
            await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, $"The message is larger than the {context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize} bytes allowed.");
        }
        finally
        {
            deadline?.Dispose();
        }

        return null;
    }

    /// <summary>The handler reads the received body in place of the connection's.</summary>
    private static void Install(HttpContext context, BufferedBody body)
    {
        var reader = PipeReader.Create(body.Content);
        context.Request.Body = reader.AsStream();
        var received = new ReceivedBody(reader, body.Content.Length);
        context.Features.Set<IRequestBodyPipeFeature>(received);
        context.Features.Set<IReceivedBodyFeature>(received);
    }

    private static bool IsGrpc(HttpContext context) =>
        context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>
    /// Answers a request that is not let in: a problem response, or for a gRPC call its status (408 as DEADLINE_EXCEEDED,
    /// 413 as RESOURCE_EXHAUSTED, 503 as UNAVAILABLE) in a trailers-only response, as gRPC clients read it.
    /// </summary>
    private static async Task RefuseAsync(HttpContext context, int status, string detail, bool close = false)
    {
        if (!IsGrpc(context))
        {
            if (close)
            {
                context.Response.Headers.Connection = "close";
            }

            await ErrorResponses.WriteAsync(context, status, detail, retryAfterSeconds: status == StatusCodes.Status503ServiceUnavailable ? 1 : null);
            return;
        }

        var code = status switch
        {
            StatusCodes.Status408RequestTimeout => global::Grpc.Core.StatusCode.DeadlineExceeded,
            StatusCodes.Status413PayloadTooLarge => global::Grpc.Core.StatusCode.ResourceExhausted,
            _ => global::Grpc.Core.StatusCode.Unavailable,
        };
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(detail);
        await context.Response.CompleteAsync();
    }

    private sealed class ReceivedBody(PipeReader reader, long length) : IRequestBodyPipeFeature, IReceivedBodyFeature
    {
        public PipeReader Reader => reader;

        public long Length => length;
    }
}
