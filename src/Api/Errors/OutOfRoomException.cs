namespace Autoencoder.Api.Errors;

/// <summary>
/// A valid request the server has no room for now (its memory for answers is taken by other requests): the same request
/// will do once they finish. Not the client's fault, so not a <see cref="ClientInputException"/>; the one error mapping
/// answers it 503 with Retry-After.
/// </summary>
public sealed class OutOfRoomException(string detail, int retryAfterSeconds = 1) : Exception(detail)
{
    public int RetryAfterSeconds { get; } = retryAfterSeconds;
}
