using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Autoencoder.Api.OpenApi;

/// <summary>Marks an endpoint that reads image files itself from these multipart fields (or, for one field, the raw body).</summary>
public sealed record ImageUploadMetadata(params string[] Fields)
{
    /// <summary>Further raw body types the endpoint takes (e.g. application/x-idx).</summary>
    public IReadOnlyList<string> RawTypes { get; init; } = [];
}

/// <summary>Marks an endpoint whose 200 response may also be one of these binary types, chosen by the Accept header.</summary>
public sealed record BinaryResponseMetadata(params string[] MediaTypes);

/// <summary>
/// Describes uploads and binary responses that the handlers read and write themselves (so that one endpoint takes
/// both a multipart form, which Swagger UI's file picker sends, and a raw image body, which curl sends).
/// </summary>
public sealed class ImageUploadOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<ImageUploadMetadata>().FirstOrDefault() is { } upload)
        {
            var form = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string>(upload.Fields),
                Properties = upload.Fields.ToDictionary(
                    field => field,
                    field => (IOpenApiSchema)new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "A PNG or JPEG image" }),
            };
            var content = new Dictionary<string, IOpenApiMediaType>
            {
                ["multipart/form-data"] = new OpenApiMediaType { Schema = form },
            };
            if (upload.Fields.Length == 1)
            {
                content["image/png"] = new OpenApiMediaType { Schema = Binary() };
                content["image/jpeg"] = new OpenApiMediaType { Schema = Binary() };
            }

            foreach (var rawType in upload.RawTypes)
            {
                content[rawType] = new OpenApiMediaType { Schema = Binary() };
            }

            operation.RequestBody = new OpenApiRequestBody { Required = true, Content = content };
        }

        if (metadata.OfType<BinaryResponseMetadata>().FirstOrDefault() is { } binary
            && operation.Responses?.TryGetValue("200", out var ok) == true
            && ok is OpenApiResponse response)
        {
            response.Content ??= new Dictionary<string, IOpenApiMediaType>();
            foreach (var mediaType in binary.MediaTypes)
            {
                response.Content[mediaType] = new OpenApiMediaType { Schema = Binary() };
            }

            response.Description = $"{string.Join(", ", binary.MediaTypes)} or JSON, as the Accept header asks";
        }
    }

    private static OpenApiSchema Binary() => new() { Type = JsonSchemaType.String, Format = "binary" };
}
