using System.Text.Json.Nodes;
using Autoencoder.Api.Endpoints;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Autoencoder.Api.OpenApi;

/// <summary>Gives Swagger UI's "Try it out" a request that works as it stands.</summary>
public sealed class ExampleSchemaFilter : ISchemaFilter
{
    // The bundled MNIST model's latent for samples/digit-0-label-7.png, rounded: it decodes to a 7.
    private const string DigitSevenLatent =
        """{"latent":[-0.205,1.897,3.668,1.054,0.573,1.692,-1.129,5.415,2.203,0.6,0.593,1.99,2.725,-0.77,-0.952,2.649,1.317,-1.446,7.791,-2.528]}""";

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (context.Type == typeof(DecodeRequest) && schema is OpenApiSchema concrete)
        {
            concrete.Examples = [JsonNode.Parse(DigitSevenLatent)!];
        }
    }
}
