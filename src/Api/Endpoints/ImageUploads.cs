using Autoencoder.Api.Errors;
using Autoencoder.Api.Http;
using Autoencoder.Api.Limits;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Autoencoder.Api.Endpoints;

/// <summary>
/// Reads uploaded image files from a request: named multipart/form-data fields (what Swagger UI and HTML forms
/// send), or, for a single image, the raw body with Content-Type image/png or image/jpeg (what curl --data-binary sends).
/// </summary>
public sealed class ImageUploads(IOptions<LimitsOptions> options, IOptions<FormOptions> formOptions)
{
    /// <summary>The form field of a route's one image.</summary>
    public const string ImageField = "image";

    /// <summary>/interpolate's two form fields.</summary>
    public const string FirstField = "first";

    public const string SecondField = "second";

    public static readonly string[] RawImageTypes = ["image/png", "image/jpeg"];

    public async Task<byte[]> ReadOneAsync(HttpRequest request, string field, CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            var form = await ReadFormAsync(request, cancellationToken);
            return await ReadFieldAsync(form, field, cancellationToken);
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !RawImageTypes.Contains(contentType.MediaType.Value, StringComparer.OrdinalIgnoreCase))
        {
            throw ClientInputException.UnsupportedFormat(
                $"Send the image as a multipart/form-data field '{field}', or as the raw body with Content-Type image/png or image/jpeg (got '{ClientText.Echo(request.ContentType ?? "none")}').");
        }

        return await RequestBodies.ReadLimitedAsync(request.Body, request.ContentLength, "The request body", options.Value.MaxImageBytes, "send a PNG or JPEG image", cancellationToken);
    }

    public async Task<(byte[] First, byte[] Second)> ReadTwoAsync(HttpRequest request, string firstField, string secondField, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            throw ClientInputException.UnsupportedFormat(
                $"Send the two images as multipart/form-data fields '{firstField}' and '{secondField}' (got '{ClientText.Echo(request.ContentType ?? "none")}').");
        }

        var form = await ReadFormAsync(request, cancellationToken);
        return (await ReadFieldAsync(form, firstField, cancellationToken), await ReadFieldAsync(form, secondField, cancellationToken));
    }

    /// <summary>
    /// The form parser reports a malformed body as InvalidDataException (no boundary) or IOException (cut short, no
    /// closing boundary); if the client went away instead, nobody reads the 400. BadHttpRequestException (an
    /// IOException too) keeps its own status, e.g. 413 for a body over the server's limit.
    /// </summary>
    private async Task<IFormCollection> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        IFormCollection form;
        try
        {
            form = ReceivedFiles(request) is { } files ? new FormCollection(null, files) : await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            // The form reader's own limits (body length, field count, header length) from Limits.
            throw ClientInputException.TooLarge($"The multipart/form-data body is over a limit: {e.Message.Trim()}");
        }
        catch (Exception e) when (e is InvalidDataException or (IOException and not BadHttpRequestException))
        {
            throw new ClientInputException(InputFault.Invalid, MalformedForm(request), e);
        }

        var most = options.Value.MaxFormFiles;
        return form.Files.Count <= most
            ? form
            : throw ClientInputException.Invalid($"The form carries {form.Files.Count} files; at most {most} are accepted.");
    }

    /// <summary>
    /// The files of a form received whole before the handler ran, read where they are (<see cref="MultipartFiles"/>);
    /// null, with the body left as it was, for a body not received yet or a form that only the form reader reads.
    /// </summary>
    private FormFileCollection? ReceivedFiles(HttpRequest request)
    {
        if (request.HttpContext.Features.Get<IReceivedBodyFeature>() is null || !request.BodyReader.TryRead(out var result))
        {
            return null;
        }

        try
        {
            return result.IsCompleted && result.Buffer.IsSingleSegment ? MultipartFiles.TryRead(request.ContentType, result.Buffer.First, formOptions.Value) : null;
        }
        finally
        {
            request.BodyReader.AdvanceTo(result.Buffer.Start);
        }
    }

    /// <summary>
    /// The parser's own messages speak of its internals ("the content may have already been read by another
    /// component" for a boundary that never appears); what a client can fix is the boundary.
    /// </summary>
    private static string MalformedForm(HttpRequest request)
    {
        var boundary = MediaTypeHeaderValue.TryParse(request.ContentType, out var type) ? HeaderUtilities.RemoveQuotes(type.Boundary).Value : null;
        return string.IsNullOrEmpty(boundary)
            ? "The multipart/form-data body is malformed: its Content-Type names no boundary. Let the client build the form (curl -F, a browser's FormData), which sets both."
            : $"The multipart/form-data body is malformed: its parts are not separated by the boundary its Content-Type names ('{ClientText.Echo(boundary)}'), "
                + "or it ends before the closing boundary.";
    }

    private async Task<byte[]> ReadFieldAsync(IFormCollection form, string field, CancellationToken cancellationToken)
    {
        var files = form.Files.GetFiles(field);
        if (files.Count == 0)
        {
            var sent = form.Files.Count == 0 ? "no files" : "files in " + string.Join(", ", form.Files.Select(file => $"'{ClientText.Echo(file.Name)}'").Distinct());
            throw ClientInputException.Invalid($"Missing the image file in form field '{field}' (the request has {sent}).");
        }

        if (files.Count > 1)
        {
            throw ClientInputException.Invalid($"Form field '{field}' holds {files.Count} files; send exactly one.");
        }

        await using var stream = files[0].OpenReadStream();
        return await RequestBodies.ReadLimitedAsync(stream, files[0].Length, $"The file in '{field}'", options.Value.MaxImageBytes, "send a PNG or JPEG image", cancellationToken);
    }
}
