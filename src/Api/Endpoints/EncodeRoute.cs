using Autoencoder.Api.Formats;
using Autoencoder.Api.Http;
using Autoencoder.Api.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Autoencoder.Api.Endpoints;

/// <summary>POST /encode: an image's latent, or every latent of an IDX file or a .npy array of images, streamed as JSON or .npy.</summary>
public static class EncodeRoute
{
    public static async Task<Results<Ok<EncodeResponse>, PushStreamHttpResult>> Handle([AsParameters] ImageCall call)
    {
        var model = call.ResolveModel();
        if (BulkImageBodies.IsBulk(call.Request))
        {
            return await EncodeFileAsync(call, model);
        }

        var input = await call.ReadImageAsync(model);
        return TypedResults.Ok(new EncodeResponse(model.Name, await call.Service.EncodeAsync(model, input, call.CancellationToken)));
    }

    /// <summary>
    /// All images of the file (IDX or .npy) to latents: JSON by default, .npy float32 [N, latent] on request. The header and the
    /// file's length are checked before the response starts; then the pixels are decompressed, encoded and written a
    /// window at a time, the next window decompressing while this one is encoded.
    /// </summary>
    private static async Task<PushStreamHttpResult> EncodeFileAsync(ImageCall call, OnnxAutoencoder model)
    {
        var (service, cancellationToken) = (call.Service, call.CancellationToken);
        call.Reserve(AnswerMemory.Body(call.Request, call.Limits.MaxBulkBodyBytes) + AnswerMemory.Window(model, AutoencoderService.WindowRows), "A file of images to encode");
        var body = await BulkImageBodies.OpenAsync(call, model);
        var count = body.Count;
        var format = ResponseFormat.Choose(call.Request, ResponseFormat.Json, Npy.MediaType);
        return StreamedAnswers.Stream(
            call.Request,
            async output =>
            {
                await using (body)
                {
                    var windows = body.ReadWindowsAsync(model.Manifest.Image, AutoencoderService.WindowRows, cancellationToken);
                    var latents = service.EncodeWindowsAsync(model, windows, cancellationToken);
                    await (format == Npy.MediaType
                        ? Latents.WriteNpyAsync(output, latents, count, model.LatentSize, cancellationToken)
                        : Latents.WriteJsonAsync(output, model.Name, latents, count, model.LatentSize, cancellationToken));
                }
            },
            format);
    }
}
