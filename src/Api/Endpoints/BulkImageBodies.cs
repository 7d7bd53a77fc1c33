using Autoencoder.Api.Errors;
using Autoencoder.Api.Formats;
using Autoencoder.Api.Http;
using Autoencoder.Api.Inference;
using Autoencoder.Core;

namespace Autoencoder.Api.Endpoints;

/// <summary>
/// Request bodies of many images, as the bulk routes read them: an IDX file (8-bit, one channel: <see cref="IdxBodies"/>)
/// or a .npy array of [N, C, H, W] floats, for any model and the only way in for a colour one. Either is checked
/// against the model and the limits before any answer starts.
/// </summary>
public static class BulkImageBodies
{
    /// <summary>Whether the request's body is a file of many images (IDX or .npy).</summary>
    public static bool IsBulk(HttpRequest request) => IdxBodies.IsIdx(request) || IsNpy(request);

    public static bool IsNpy(HttpRequest request) => RequestBodies.HasContentType(request, Npy.MediaType);

    /// <summary>The body's images, their header checked; an IDX file for a model of more than one channel is a 415 that says to send .npy.</summary>
    public static async Task<BulkImageBody> OpenAsync(ImageCall call, OnnxAutoencoder model)
    {
        var (request, limits, cancellationToken) = (call.Request, call.Limits, call.CancellationToken);
        var shape = model.Manifest.Image;
        if (!IsNpy(request))
        {
            if (shape.Channels != 1)
            {
                throw ClientInputException.UnsupportedFormat(
                    $"An IDX file holds one-channel images and model '{model.Name}' takes {shape.Channels} channels: send the images as a .npy array "
                    + $"(Content-Type {Npy.MediaType}, raw or gzip) of float32 with shape (N, {shape.Channels}, {shape.Height}, {shape.Width}), values in [0,1].");
            }

            var (content, count) = await IdxBodies.OpenAsync(request, model, limits, cancellationToken);
            return new BulkImageBody(IdxImages.MediaType, count, content, null);
        }

        call.Reserve(AnswerMemory.NpyBody(request, limits.MaxBulkBodyBytes), "A .npy array of images");
        var file = await RequestBodies.ReadBodyAsync(request, limits.MaxBulkBodyBytes, cancellationToken);
        var (values, images) = NpyImages.Read(file, shape, limits.MaxBulkImages);
        AutoencoderService.RequirePixels(model, values);
        return new BulkImageBody(Npy.MediaType, images, null, values);
    }
}

/// <summary>The images of a bulk request, checked, in the format they came in (<see cref="MediaType"/>); disposing it closes an IDX file's stream.</summary>
public sealed class BulkImageBody : IAsyncDisposable
{
    private readonly Stream? content;
    private readonly float[]? values;

    internal BulkImageBody(string mediaType, int count, Stream? content, float[]? values)
    {
        MediaType = mediaType;
        Count = count;
        this.content = content;
        this.values = values;
    }

    /// <summary>The body's format, <see cref="IdxImages.MediaType"/> or <see cref="Npy.MediaType"/>: answers of images come back in it.</summary>
    public string MediaType { get; }

    public int Count { get; }

    /// <summary>The images as model inputs, <paramref name="windowRows"/> at a time (see <see cref="IdxImages.ReadWindowsAsync"/>).</summary>
    public IAsyncEnumerable<(float[] Input, int Rows)> ReadWindowsAsync(ImageShape shape, int windowRows, CancellationToken cancellationToken) =>
        content is not null
            ? IdxImages.ReadWindowsAsync(content, Count, shape, windowRows, cancellationToken)
            : NpyImages.Windows(values!, Count, shape, windowRows, cancellationToken);

    /// <summary>All the images as the model's input at once.</summary>
    public Task<float[]> ReadModelInputAsync(OnnxAutoencoder model, CancellationToken cancellationToken) =>
        content is not null ? IdxBodies.ReadModelInputAsync(content, Count, model, cancellationToken) : Task.FromResult(values!);

    /// <summary>Images made from these, as a file of the same format.</summary>
    public Task WriteAsync(Stream output, IAsyncEnumerable<float[]> images, ImageShape shape, CancellationToken cancellationToken) =>
        content is not null
            ? IdxImages.WriteAsync(output, images, Count, shape, cancellationToken)
            : NpyImages.WriteAsync(output, images, Count, shape, cancellationToken);

    public ValueTask DisposeAsync() => content?.DisposeAsync() ?? ValueTask.CompletedTask;
}
