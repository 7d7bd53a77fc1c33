namespace Autoencoder.Api.Errors;

/// <summary>
/// A valid request for a model that is not served now (the default model unloaded, or not loaded yet): the same request
/// may do once it is loaded. Not the client's fault; the one error mapping answers it 503 with Retry-After.
/// </summary>
public sealed class ModelUnavailableException(string detail) : Exception(detail)
{
    public const int RetryAfterSeconds = 5;
}
