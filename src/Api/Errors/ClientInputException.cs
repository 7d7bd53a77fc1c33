namespace Autoencoder.Api.Errors;

/// <summary>
/// A request the client must change. The message is written for the client: it says what is wrong and what to send
/// instead, and becomes the error response's detail.
/// </summary>
public class ClientInputException(InputFault fault, string detail, Exception? innerException = null) : Exception(detail, innerException)
{
    public InputFault Fault { get; } = fault;

    public static ClientInputException Invalid(string detail) => new(InputFault.Invalid, detail);

    public static ClientInputException UnsupportedFormat(string detail) => new(InputFault.UnsupportedFormat, detail);

    public static ClientInputException TooLarge(string detail) => new(InputFault.TooLarge, detail);

    public static ClientInputException NotFound(string detail) => new(InputFault.NotFound, detail);

    public static ClientInputException NotAcceptable(string detail) => new(InputFault.NotAcceptable, detail);

    public static ClientInputException ModelLacks(string detail) => new(InputFault.ModelLacks, detail);

    public static ClientInputException ModelNotFound(string name, IEnumerable<string> known) =>
        NotFound($"There is no model '{ClientText.Echo(name)}'. Models: {string.Join(", ", known)}.");
}
