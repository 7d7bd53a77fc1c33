using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Autoencoder.Api.OpenInference.Grpc;
using Microsoft.Extensions.DependencyInjection;

namespace Autoencoder.Api.Tests.OpenInference.Grpc;

/// <summary>
/// A gRPC client the project did not write: Python's grpcio, with stubs that grpc_tools' protoc makes from the service's
/// .proto (the protocol's package, names and field numbers), calling the real Kestrel host.
/// </summary>
public sealed class GrpcPythonClientTests(GrpcApiFactory factory) : IClassFixture<GrpcApiFactory>
{
    private const string Client = """
        import json, struct, sys, grpc
        import inference_pb2 as pb, inference_pb2_grpc as rpc
        stub = rpc.GRPCInferenceServiceStub(grpc.insecure_channel("127.0.0.1:" + sys.argv[1]))
        latents = [((i * 37) % 11 - 5) / 2.0 for i in range(40)]
        out = {"live": stub.ServerLive(pb.ServerLiveRequest()).live, "ready": stub.ServerReady(pb.ServerReadyRequest()).ready}
        meta = stub.ModelMetadata(pb.ModelMetadataRequest(name="mnist-decoder"))
        out["input"] = [meta.inputs[0].name, list(meta.inputs[0].shape)]
        raw = pb.ModelInferRequest(model_name="mnist-decoder", id="from python")
        tensor = raw.inputs.add(name="latent", datatype="FP32", shape=[2, 20])
        raw.raw_input_contents.append(struct.pack("<40f", *latents))
        answer = stub.ModelInfer(raw)
        out["raw"] = {"id": answer.id, "shape": list(answer.outputs[0].shape), "values": list(struct.unpack("<%df" % (2 * 784), answer.raw_output_contents[0]))}
        typed = pb.ModelInferRequest(model_name="mnist-decoder")
        typed.inputs.add(name="latent", datatype="FP32", shape=[2, 20]).contents.fp32_contents.extend(latents)
        out["typed"] = list(stub.ModelInfer(typed).outputs[0].contents.fp32_contents)
        try:
            stub.ModelInfer(pb.ModelInferRequest(model_name="nope"))
        except grpc.RpcError as error:
            out["unknown"] = [error.code().name, error.details()]
        index = stub.RepositoryIndex(pb.RepositoryIndexRequest(ready=True), metadata=[("authorization", "Bearer " + sys.argv[2])])
        out["index"] = sorted(model.name for model in index.models)
        print(json.dumps(out))
        """;

    [Fact]
    public async Task PythonsGrpcioClientInfersAndReadsErrorsAndTheIndex()
    {
        var latents = Enumerable.Range(0, 40).Select(index => ((index * 37 % 11) - 5) / 2f).ToArray();
        using var http = factory.CreateClient();
        using var rest = await http.PostAsJsonAsync("/v2/models/mnist-decoder/infer", new { inputs = new[] { new { name = "latent", shape = new[] { 2, 20 }, datatype = "FP32", data = latents } } });
        var expected = (await rest.JsonAsync()).GetProperty("outputs")[0].GetProperty("data").Floats();

        var folder = Directory.CreateTempSubdirectory("grpc-python-").FullName;
        try
        {
            var proto = Path.Combine(TestData.RepositoryRoot, "src", "Api", "OpenInference", "Grpc");
            await RunAsync(folder, "-m", "grpc_tools.protoc", $"-I{proto}", $"--python_out={folder}", $"--grpc_python_out={folder}", "inference.proto");
            await File.WriteAllTextAsync(Path.Combine(folder, "client.py"), Client);
            var port = factory.Services.GetRequiredService<GrpcEndpoint>().Port;
            using var answer = JsonDocument.Parse(await RunAsync(folder, "client.py", $"{port}", GrpcApiFactory.Key));
            var root = answer.RootElement;

            Assert.True(root.GetProperty("live").GetBoolean());
            Assert.True(root.GetProperty("ready").GetBoolean());
            Assert.Equal("latent", root.GetProperty("input")[0].GetString());
            Assert.Equal("from python", root.GetProperty("raw").GetProperty("id").GetString());
            Assert.Equal([2, 1, 28, 28], root.GetProperty("raw").GetProperty("shape").EnumerateArray().Select(value => value.GetInt32()));
            Assert.Equal(expected, root.GetProperty("raw").GetProperty("values").Floats());
            Assert.Equal(expected, root.GetProperty("typed").Floats());
            Assert.Equal("NOT_FOUND", root.GetProperty("unknown")[0].GetString());
            Assert.StartsWith("There is no model 'nope'.", root.GetProperty("unknown")[1].GetString(), StringComparison.Ordinal);
            Assert.Contains("mnist", root.GetProperty("index").EnumerateArray().Select(name => name.GetString()));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Runs Debian's python3 (which has python3-grpcio and python3-grpc-tools) in <paramref name="folder"/>; its output.</summary>
    private static async Task<string> RunAsync(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/python3") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Poll.Patience);
        Assert.True(process.ExitCode == 0, $"python3 {string.Join(' ', arguments)} failed: {await errors}");
        return await output;
    }
}
