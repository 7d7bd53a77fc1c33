using System.Runtime.InteropServices;
using Autoencoder.Api.OpenInference.Grpc.Protocol;
using Google.Protobuf;
using Grpc.Core;

namespace Autoencoder.Api.Tests.OpenInference.Grpc;

/// <summary>A colour model over gRPC: its metadata's shapes follow its model.json, and its tensors run through it.</summary>
public sealed class GrpcColourTests : IDisposable
{
    private readonly string models = ShapedModels.CreateFolder();
    private readonly GrpcApiFactory factory;

    public GrpcColourTests() => factory = new GrpcApiFactory(new Dictionary<string, string?> { ["Models:Directory"] = models });

    public void Dispose()
    {
        factory.Dispose();
        Directory.Delete(models, recursive: true);
    }

    [Fact]
    public async Task AColourModelsShapesAreThreeChannelsAndItsTensorsRun()
    {
        var client = factory.Client;
        var pixels = Enumerable.Range(0, 2 * 240).Select(index => (index % 11) / 10f).ToArray();

        var encoder = await client.ModelMetadataAsync(new ModelMetadataRequest { Name = "colour-encoder" });
        var decoder = await client.ModelMetadataAsync(new ModelMetadataRequest { Name = "colour-decoder" });
        var request = new ModelInferRequest { ModelName = "colour-encoder" };
        request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "image", Datatype = "FP32", Shape = { 2, 3, 8, 10 } });
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(pixels.AsSpan())));
        var answer = await client.ModelInferAsync(request);
        var gray = new ModelInferRequest { ModelName = "colour-encoder" };
        gray.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = "image", Datatype = "FP32", Shape = { 1, 1, 8, 10 } });
        gray.RawInputContents.Add(ByteString.CopyFrom(new byte[80 * sizeof(float)]));
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(gray).ResponseAsync);

        Assert.Equal([-1L, 3, 8, 10], Assert.Single(encoder.Inputs).Shape);
        Assert.Equal([-1L, 240], Assert.Single(encoder.Outputs).Shape);
        Assert.Equal([-1L, 3, 8, 10], Assert.Single(decoder.Outputs).Shape);
        Assert.Equal([2L, 240], Assert.Single(answer.Outputs).Shape);
        Assert.Equal(pixels, MemoryMarshal.Cast<byte, float>(answer.RawOutputContents.Single().Span).ToArray());
        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("[-1, 3, 8, 10]", refused.Status.Detail, StringComparison.Ordinal);
    }
}
