namespace Autoencoder.Api.OpenApi;

/// <summary>Whether the service serves its OpenAPI document and Swagger UI. Bound from the "Swagger" configuration section.</summary>
public sealed class SwaggerSettings
{
    public const string Section = "Swagger";

    /// <summary>
    /// On by default, in every environment: the API's documentation and error details point to /swagger, and the
    /// document reveals nothing a client could not learn by calling the API. A deployment that wants no UI turns it off.
    /// </summary>
    public bool Enabled { get; set; } = true;
}
