using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using Autoencoder.Api.OpenInference.Grpc.Protocol;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;

namespace Autoencoder.Api.Tests.OpenInference.Grpc;

/// <summary>The protocol over gRPC, called with Grpc.Net.Client on the service's own HTTP/2 port.</summary>
public sealed class GrpcInferenceTests(GrpcApiFactory factory) : IClassFixture<GrpcApiFactory>
{
    private readonly GRPCInferenceService.GRPCInferenceServiceClient client = factory.Client;

    [Fact]
    public async Task TheServerIsLiveReadyAndDescribesItselfAndItsModels()
    {
        Assert.True((await client.ServerLiveAsync(new ServerLiveRequest())).Live);
        Assert.True((await client.ServerReadyAsync(new ServerReadyRequest())).Ready);
        Assert.True((await client.ModelReadyAsync(new ModelReadyRequest { Name = "mnist-decoder", Version = "1" })).Ready);

        var server = await client.ServerMetadataAsync(new ServerMetadataRequest());
        Assert.Equal("autoencoder", server.Name);
        Assert.Contains("model_repository", server.Extensions);

        var metadata = await client.ModelMetadataAsync(new ModelMetadataRequest { Name = "mnist-encoder" });
        Assert.Equal(["1"], metadata.Versions);
        Assert.Equal("onnx_onnxv1", metadata.Platform);
        Assert.Equal("image", Assert.Single(metadata.Inputs).Name);
        Assert.Equal([-1L, 1, 28, 28], metadata.Inputs[0].Shape);
        Assert.Equal([-1L, 20], Assert.Single(metadata.Outputs).Shape);
    }

    [Fact]
    public async Task TheStandardHealthServiceAndReflectionAnswer()
    {
        var health = new global::Grpc.Health.V1.Health.HealthClient(factory.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);

        var reflection = new ServerReflection.ServerReflectionClient(factory.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(service => service.Name).ToList();
        Assert.Contains("inference.GRPCInferenceService", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }

    [Fact]
    public async Task RawAndTypedContentsGiveWhatTheRestBindingGives()
    {
        var latents = Enumerable.Range(0, 3 * 20).Select(index => MathF.Sin(index) * 2).ToArray();
        using var http = factory.CreateClient();
        using var rest = await http.PostAsJsonAsync("/v2/models/mnist-decoder/infer", new { id = "r", inputs = new[] { new { name = "latent", shape = new[] { 3, 20 }, datatype = "FP32", data = latents } } });
        var expected = (await rest.JsonAsync()).GetProperty("outputs")[0].GetProperty("data").Floats();

        var raw = Request("mnist-decoder", "latent", [3, 20]);
        raw.Id = "raw call";
        raw.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(latents.AsSpan())));
        var rawAnswer = await client.ModelInferAsync(raw);
        Assert.Equal("mnist-decoder", rawAnswer.ModelName);
        Assert.Equal("1", rawAnswer.ModelVersion);
        Assert.Equal("raw call", rawAnswer.Id);
        Assert.Equal([3L, 1, 28, 28], Assert.Single(rawAnswer.Outputs).Shape);
        Assert.Equal("image", rawAnswer.Outputs[0].Name);
        Assert.Null(rawAnswer.Outputs[0].Contents);
        Assert.Equal(expected, MemoryMarshal.Cast<byte, float>(rawAnswer.RawOutputContents.Single().Span).ToArray());

        var typed = Request("mnist-decoder", "latent", [3, 20]);
        typed.Inputs[0].Contents = new InferTensorContents();
        typed.Inputs[0].Contents.Fp32Contents.AddRange(latents);
        var typedAnswer = await client.ModelInferAsync(typed);
        Assert.Empty(typedAnswer.RawOutputContents);
        Assert.Equal(expected, typedAnswer.Outputs[0].Contents.Fp32Contents);
    }

    [Fact]
    public async Task AMessageLargerThanGrpcsDefaultIsServedUpToTheBulkLimit()
    {
        // 2,000 digits are 6.3 MB of pixels: over gRPC's 4 MB default, within the bulk body limit as over REST.
        const int count = 2000;
        var pixels = new float[count * 784];
        for (var image = 0; image < count; image++)
        {
            var digit = TestData.TestDigit(image);
            for (var pixel = 0; pixel < 784; pixel++)
            {
                pixels[(image * 784) + pixel] = digit[pixel] / 255f;
            }
        }

        var request = Request("mnist-encoder", "image", [count, 1, 28, 28]);
        request.RawInputContents.Add(ByteString.CopyFrom(MemoryMarshal.AsBytes(pixels.AsSpan())));
        var answer = await client.ModelInferAsync(request);

        Assert.Equal([(long)count, 20], answer.Outputs[0].Shape);
        Assert.Equal(count * 20 * sizeof(float), answer.RawOutputContents[0].Length);
    }

    [Theory]
    [InlineData("unknown model", StatusCode.NotFound, "There is no model 'mnist-decodr'")]
    [InlineData("unknown version", StatusCode.NotFound, "Model 'mnist-decoder' has no version '7'")]
    [InlineData("no inputs", StatusCode.InvalidArgument, "The request has no 'inputs'; model 'mnist-decoder' takes 'latent' (FP32 [-1, 20]).")]
    [InlineData("unknown input", StatusCode.InvalidArgument, "Model 'mnist-decoder' has no input 'z'")]
    [InlineData("two inputs", StatusCode.InvalidArgument, "Input 'latent' is given 2 times; give it once.")]
    [InlineData("datatype", StatusCode.InvalidArgument, "Input 'latent' must have datatype FP32, not 'INT32'.")]
    [InlineData("shape", StatusCode.InvalidArgument, "Input 'latent' has shape [2, 19]; it must be [-1, 20]")]
    [InlineData("zero batch", StatusCode.InvalidArgument, "Input 'latent' has shape [0, 20]")]
    [InlineData("huge batch", StatusCode.ResourceExhausted, "A batch of 1000000000000 is too large; at most 100000 in one request.")]
    [InlineData("raw size", StatusCode.InvalidArgument, "Input 'latent' of shape [2, 20] is 160 bytes of FP32, but raw_input_contents holds 12.")]
    [InlineData("raw and contents", StatusCode.InvalidArgument, "Input 'latent' has both 'contents' and raw_input_contents")]
    [InlineData("no values", StatusCode.InvalidArgument, "Input 'latent' needs its values")]
    [InlineData("too few values", StatusCode.InvalidArgument, "Input 'latent' has shape [2, 20], which is 40 values, but its fp32_contents holds 3.")]
    [InlineData("other datatype's field", StatusCode.InvalidArgument, "Input 'latent' is FP32: its values go in fp32_contents.")]
    [InlineData("not a number", StatusCode.InvalidArgument, "value 5 is NaN")]
    [InlineData("infinite raw", StatusCode.InvalidArgument, "finite")]
    [InlineData("unknown output", StatusCode.InvalidArgument, "Model 'mnist-decoder' has no output 'pixels'; it gives one output, 'image'.")]
    [InlineData("classification", StatusCode.InvalidArgument, "the classification extension is not supported")]
    [InlineData("shared memory", StatusCode.InvalidArgument, "'shared_memory_region' of input 'latent': the shared-memory extensions are not supported")]
    public async Task EveryMistakeIsItsStatusCodeWithTheRestBindingsMessage(string mistake, StatusCode code, string message)
    {
        var request = Request(mistake == "unknown model" ? "mnist-decodr" : "mnist-decoder", mistake == "unknown input" ? "z" : "latent", [2, 20]);
        var input = request.Inputs[0];
        Fill(request, 40);
        switch (mistake)
        {
            case "unknown version": request.ModelVersion = "7"; break;
            case "no inputs": request.Inputs.Clear(); request.RawInputContents.Clear(); break;
            case "two inputs": request.Inputs.Add(input.Clone()); break;
            case "datatype": input.Datatype = "INT32"; break;
            case "shape": input.Shape[1] = 19; break;
            case "zero batch": input.Shape[0] = 0; break;
            case "huge batch": input.Shape[0] = 1_000_000_000_000; break;
            case "raw size": request.RawInputContents[0] = ByteString.CopyFrom(new byte[12]); break;
            case "raw and contents": input.Contents = new InferTensorContents(); break;
            case "no values": request.RawInputContents.Clear(); break;
            case "too few values": request.RawInputContents.Clear(); input.Contents = new InferTensorContents { Fp32Contents = { 1, 2, 3 } }; break;
            case "other datatype's field": request.RawInputContents.Clear(); input.Contents = new InferTensorContents { IntContents = { 1 } }; break;
            case "not a number":
                request.RawInputContents.Clear();
                input.Contents = new InferTensorContents();
                input.Contents.Fp32Contents.AddRange(Enumerable.Range(0, 40).Select(index => index == 5 ? float.NaN : 0f));
                break;
            case "infinite raw":
                var values = new float[40];
                values[7] = float.PositiveInfinity;
                request.RawInputContents[0] = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
                break;
            case "unknown output": request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "pixels" }); break;
            case "classification":
                request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "image", Parameters = { ["classification"] = new InferParameter { Int64Param = 3 } } });
                break;
            case "shared memory": input.Parameters["shared_memory_region"] = new InferParameter { StringParam = "region" }; break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => client.ModelInferAsync(request).ResponseAsync);

        Assert.Equal(code, error.StatusCode);
        Assert.Contains(message, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMessageOverTheBulkLimitIsResourceExhausted()
    {
        await using var small = new GrpcApiFactory(new Dictionary<string, string?> { ["Limits:MaxBulkBodyBytes"] = $"{1024 * 1024}" });
        var request = Request("mnist-encoder", "image", [400, 1, 28, 28]);
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[400 * 784 * sizeof(float)]));

        var error = await Assert.ThrowsAsync<RpcException>(() => small.Client.ModelInferAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.True((await small.Client.ServerReadyAsync(new ServerReadyRequest())).Ready);
    }

    [Fact]
    public async Task AnAnswerWithNoRoomInTheMemoryForAnswersIsResourceExhaustedNamingTheSetting()
    {
        await using var small = new GrpcApiFactory(new Dictionary<string, string?> { ["Limits:WorkMemoryBytes"] = $"{64 * 1024}" });
        var request = Request("mnist-decoder", "latent", [100, 20]);
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[100 * 20 * sizeof(float)]));

        var error = await Assert.ThrowsAsync<RpcException>(() => small.Client.ModelInferAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("Limits:WorkMemoryBytes", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelStatisticsAnswersWhatTheRestBindingAnswers()
    {
        Assert.Contains("statistics", (await client.ServerMetadataAsync(new ServerMetadataRequest())).Extensions);
        var request = Request("mnist-decoder", "latent", [3, 20]);
        Fill(request, 60);
        await client.ModelInferAsync(request);

        var grpc = Assert.Single((await client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "mnist-decoder", Version = "1" })).ModelStats);
        using var http = factory.CreateClient();
        using var response = await http.GetAsync("/v2/models/mnist-decoder/versions/1/stats");
        var rest = Assert.Single((await response.JsonAsync()).GetProperty("model_stats").EnumerateArray());
        Assert.Equal(rest.GetProperty("name").GetString(), grpc.Name);
        Assert.Equal(rest.GetProperty("version").GetString(), grpc.Version);
        Assert.Equal(rest.GetProperty("last_inference").GetUInt64(), grpc.LastInference);
        Assert.Equal(rest.GetProperty("inference_count").GetUInt64(), grpc.InferenceCount);
        Assert.Equal(rest.GetProperty("execution_count").GetUInt64(), grpc.ExecutionCount);
        Assert.True(grpc.InferenceCount >= 3);
        var stats = rest.GetProperty("inference_stats");
        foreach (var (name, duration) in new[]
        {
            ("success", grpc.InferenceStats.Success), ("fail", grpc.InferenceStats.Fail), ("queue", grpc.InferenceStats.Queue),
            ("compute_input", grpc.InferenceStats.ComputeInput), ("compute_infer", grpc.InferenceStats.ComputeInfer), ("compute_output", grpc.InferenceStats.ComputeOutput),
        })
        {
            Assert.Equal(stats.GetProperty(name).GetProperty("count").GetUInt64(), duration.Count);
            Assert.Equal(stats.GetProperty(name).GetProperty("ns").GetUInt64(), duration.Ns);
        }

        // No name: every model's every served version; a version alone, or an unknown model, is refused as over REST.
        using var all = await http.GetAsync("/v2/models/stats");
        Assert.Equal(
            (await all.JsonAsync()).GetProperty("model_stats").EnumerateArray().Select(entry => entry.GetProperty("name").GetString()),
            (await client.ModelStatisticsAsync(new ModelStatisticsRequest())).ModelStats.Select(entry => entry.Name));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => client.ModelStatisticsAsync(new ModelStatisticsRequest { Name = "mnist-decodr" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("There is no model 'mnist-decodr'", unknown.Status.Detail, StringComparison.Ordinal);
        var versionAlone = await Assert.ThrowsAsync<RpcException>(() => client.ModelStatisticsAsync(new ModelStatisticsRequest { Version = "1" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, versionAlone.StatusCode);
    }

    private static ModelInferRequest Request(string model, string input, long[] shape)
    {
        var request = new ModelInferRequest { ModelName = model };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = input, Datatype = "FP32" };
        tensor.Shape.AddRange(shape);
        request.Inputs.Add(tensor);
        return request;
    }

    private static void Fill(ModelInferRequest request, int values) =>
        request.RawInputContents.Add(ByteString.CopyFrom(new byte[values * sizeof(float)]));
}
