namespace Autoencoder.Api.Errors;

/// <summary>
/// What is wrong with a request, in the service's own terms. Domain code names the fault; the endpoints' one error
/// mapping (<c>Http/ErrorResponses</c>) decides what it is in HTTP.
/// </summary>
public enum InputFault
{
    /// <summary>Malformed, or against a rule the client can follow (a wrong size, shape, number or field).</summary>
    Invalid,

    /// <summary>Over a limit on bytes, pixels or items.</summary>
    TooLarge,

    /// <summary>In a format or encoding the service does not read.</summary>
    UnsupportedFormat,

    /// <summary>Names something (a model, a version, a model's latent map) that is not there.</summary>
    NotFound,

    /// <summary>Asks for the answer in a format the request cannot be answered in.</summary>
    NotAcceptable,

    /// <summary>Asks for what the service's state does not allow now (unloading the default model, a repository call the control mode does not take).</summary>
    Conflict,

    /// <summary>Asks to load a model whose files cannot be served (the reason names the file).</summary>
    ModelBroken,

    /// <summary>A call that needs the control key, without it.</summary>
    Unauthenticated,

    /// <summary>A call that needs the control key, with another key, or while none is configured.</summary>
    Forbidden,

    /// <summary>Asks a model for what its model.json does not give it (a latent prior to sample from): another model, or that model changed, would do.</summary>
    ModelLacks,
}
