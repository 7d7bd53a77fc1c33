using Autoencoder.Api.Http;
using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Autoencoder.Core;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Endpoints;

/// <summary>What the handler of an image route is given: the request, its query and the services that serve it.</summary>
/// <param name="Request">The request.</param>
/// <param name="Model">Which model to use; without it, the default model (see GET /models).</param>
/// <param name="Version">Which version of the model; without it, its newest served version (see GET /models).</param>
/// <param name="Preprocess">"auto" (default): prepare any image as the model's model.json says (imageHandling); "none": the image is already exactly the model's input.</param>
/// <param name="Service">Runs the model.</param>
/// <param name="Uploads">Reads the uploaded images.</param>
/// <param name="Images">Turns uploads into model inputs and outputs into PNGs.</param>
/// <param name="Options">Bulk and upload limits.</param>
/// <param name="Memory">The memory for what requests produce.</param>
/// <param name="CancellationToken">Request aborted.</param>
public readonly record struct ImageCall(
    HttpRequest Request,
    [FromQuery(Name = "model")] string? Model,
    [FromQuery(Name = "version")] string? Version,
    [FromQuery(Name = "preprocess")] string? Preprocess,
    AutoencoderService Service,
    ImageUploads Uploads,
    ImageTensors Images,
    IOptions<LimitsOptions> Options,
    WorkMemory Memory,
    CancellationToken CancellationToken)
{
    public LimitsOptions Limits => Options.Value;

    /// <summary>How uploads become this model's input: its own image handling, or none when the client says so.</summary>
    public ImageHandling ImageHandlingFor(OnnxAutoencoder model) => QueryValues.Preprocess(Preprocess) ? model.Manifest.ImageHandling : ImageHandling.None;

    /// <summary>The model asked for, leased for the request and named in its log line.</summary>
    public OnnxAutoencoder ResolveModel() => Calls.Leased(Request, Service.Lease(Model, QueryValues.Version(Version)));

    /// <summary>The model asked for, or without ?model= the denoiser of the default model's data set, leased and named as <see cref="ResolveModel"/>.</summary>
    public OnnxAutoencoder ResolveDenoiser() => Calls.Leased(Request, Service.LeaseDenoiser(Model, QueryValues.Version(Version)));

    /// <summary>Reserves what the answer will hold, until it is written (see <see cref="WorkMemory.Reserve"/>).</summary>
    public void Reserve(long bytes, string what) => Calls.Reserve(Request, Memory, bytes, what);

    /// <summary>The request's one image (form field 'image' or the raw body) as the model's input.</summary>
    public async Task<float[]> ReadImageAsync(OnnxAutoencoder model)
    {
        var upload = await Uploads.ReadOneAsync(Request, ImageUploads.ImageField, CancellationToken);
        return await Images.ToModelInputAsync(upload, model.Manifest.Image, ImageHandlingFor(model), CancellationToken);
    }
}

/// <summary>What the handler of a latent route (/decode, /generate) is given.</summary>
/// <param name="Request">The request.</param>
/// <param name="Model">Which model to use; without it, the default model (see GET /models).</param>
/// <param name="Version">Which version of the model; without it, its newest served version (see GET /models).</param>
/// <param name="Service">Runs the model.</param>
/// <param name="Images">Turns model outputs into PNGs.</param>
/// <param name="Options">Bulk limits.</param>
/// <param name="Memory">The memory for what requests produce.</param>
/// <param name="CancellationToken">Request aborted.</param>
public readonly record struct LatentCall(
    HttpRequest Request,
    [FromQuery(Name = "model")] string? Model,
    [FromQuery(Name = "version")] string? Version,
    AutoencoderService Service,
    ImageTensors Images,
    IOptions<LimitsOptions> Options,
    WorkMemory Memory,
    CancellationToken CancellationToken)
{
    public LimitsOptions Limits => Options.Value;

    /// <summary>The model asked for, leased for the request and named in its log line.</summary>
    public OnnxAutoencoder ResolveModel() => Calls.Leased(Request, Service.Lease(Model, QueryValues.Version(Version)));

    /// <summary>Reserves what the answer will hold, until it is written (see <see cref="WorkMemory.Reserve"/>).</summary>
    public void Reserve(long bytes, string what) => Calls.Reserve(Request, Memory, bytes, what);
}

/// <summary>What both kinds of call do alike.</summary>
internal static class Calls
{
    /// <summary>
    /// The leased model, named in the request's log line; the lease is held until the response is done with (streamed
    /// answers included), so a version replaced meanwhile finishes this request.
    /// </summary>
    public static OnnxAutoencoder Leased(HttpRequest request, ModelLease lease)
    {
        request.HttpContext.Response.RegisterForDispose(lease);
        RequestLogContext.SetModel(request.HttpContext, lease.Model.Name, lease.Model.Provider.Name);
        return lease.Model;
    }

    /// <summary>A reservation held until the response is done with, streamed answers included.</summary>
    public static void Reserve(HttpRequest request, WorkMemory memory, long bytes, string what) =>
        request.HttpContext.Response.RegisterForDispose(memory.Reserve(bytes, what));
}
