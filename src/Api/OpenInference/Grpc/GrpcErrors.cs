using Autoencoder.Api.Errors;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Autoencoder.Api.OpenInference.Grpc;

/// <summary>
/// The one mapping from the service's errors to gRPC status codes, as <c>Http/ErrorResponses</c> is for HTTP: the same
/// messages, as the status detail.
/// </summary>
public sealed partial class GrpcErrors(ILogger<GrpcErrors> logger) : Interceptor
{
    public static StatusCode StatusFor(InputFault fault) => fault switch
    {
        InputFault.NotFound => StatusCode.NotFound,
        InputFault.TooLarge => StatusCode.ResourceExhausted,
        InputFault.ModelLacks or InputFault.Conflict => StatusCode.FailedPrecondition,
        InputFault.Unauthenticated => StatusCode.Unauthenticated,
        InputFault.Forbidden => StatusCode.PermissionDenied,
        _ => StatusCode.InvalidArgument,
    };

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (StatusOf(e, context) is { } status)
        {
            if (e is OutOfMemoryException)
            {
                OutOfMemory(logger, e, context.Method);
            }

            throw new RpcException(status);
        }
    }

    private static Status? StatusOf(Exception exception, ServerCallContext context) => exception switch
    {
        RpcException => null,
        ClientInputException client => new Status(StatusFor(client.Fault), client.Message),
        OutOfRoomException busy => new Status(StatusCode.Unavailable, busy.Message),
        ModelUnavailableException unavailable => new Status(StatusCode.Unavailable, unavailable.Message),
        OutOfMemoryException => new Status(StatusCode.Unavailable, "The server ran short of memory for this request; retry shortly."),
        OperationCanceledException when context.CancellationToken.IsCancellationRequested => new Status(StatusCode.Cancelled, "The call was cancelled."),
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Out of memory answering {Method}: a memory estimate fell short")]
    private static partial void OutOfMemory(ILogger logger, Exception exception, string method);
}
