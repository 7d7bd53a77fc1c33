namespace Autoencoder.Api.Errors;

/// <summary>
/// A request the client must change: becomes an RFC 9457 problem response with this status, title and detail.
/// </summary>
public class ClientInputException(int statusCode, string title, string detail) : Exception(detail)
{
    public int StatusCode { get; } = statusCode;

    public string Title { get; } = title;

    public static ClientInputException BadRequest(string detail) => new(StatusCodes.Status400BadRequest, "Invalid request", detail);

    public static ClientInputException UnsupportedMediaType(string detail) => new(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", detail);

    public static ClientInputException TooLarge(string detail) => new(StatusCodes.Status413PayloadTooLarge, "Request too large", detail);

    public static ClientInputException ModelNotFound(string name, IEnumerable<string> known) =>
        new(StatusCodes.Status404NotFound, "Model not found", $"There is no model '{name}'. Models: {string.Join(", ", known)}.");
}
