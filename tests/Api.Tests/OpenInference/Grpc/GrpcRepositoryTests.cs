using Autoencoder.Api.OpenInference.Grpc.Protocol;
using Grpc.Core;
using Grpc.Net.Client;

namespace Autoencoder.Api.Tests.OpenInference.Grpc;

/// <summary>The repository calls over gRPC: the same key, the same repository as REST.</summary>
public sealed class GrpcRepositoryTests
{
    [Fact]
    public async Task RepositoryCallsNeedTheControlKey()
    {
        await using var factory = new GrpcApiFactory();
        var client = factory.Client;

        var none = await Assert.ThrowsAsync<RpcException>(() => client.RepositoryIndexAsync(new RepositoryIndexRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Contains("Authorization: Bearer", none.Status.Detail, StringComparison.Ordinal);

        var wrong = await Assert.ThrowsAsync<RpcException>(() => client.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "fashion" }, GrpcApiFactory.WithKey("another")).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, wrong.StatusCode);
        Assert.True((await client.ModelReadyAsync(new ModelReadyRequest { Name = "fashion-encoder" })).Ready);
    }

    [Fact]
    public async Task IndexLoadAndUnloadChangeWhatIsServed()
    {
        await using var factory = new GrpcApiFactory();
        var client = factory.Client;
        var key = GrpcApiFactory.WithKey();

        var index = await client.RepositoryIndexAsync(new RepositoryIndexRequest(), key);
        var mnist = Assert.Single(index.Models, model => model.Name == "mnist");
        Assert.Equal(("1", "READY", ""), (mnist.Version, mnist.State, mnist.Reason));

        await client.RepositoryModelUnloadAsync(new RepositoryModelUnloadRequest { ModelName = "fashion" }, key);
        var gone = await Assert.ThrowsAsync<RpcException>(() => client.ModelReadyAsync(new ModelReadyRequest { Name = "fashion-encoder" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        var unloaded = Assert.Single((await client.RepositoryIndexAsync(new RepositoryIndexRequest(), key)).Models, model => model.Name == "fashion");
        Assert.Equal(("UNAVAILABLE", "unloaded"), (unloaded.State, unloaded.Reason));
        Assert.DoesNotContain((await client.RepositoryIndexAsync(new RepositoryIndexRequest { Ready = true }, key)).Models, model => model.Name == "fashion");

        await client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "fashion" }, key);
        Assert.True((await client.ModelReadyAsync(new ModelReadyRequest { Name = "fashion-encoder" })).Ready);

        var missing = await Assert.ThrowsAsync<RpcException>(() => client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "nothing" }, key).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        var outside = await Assert.ThrowsAsync<RpcException>(() => client.RepositoryModelLoadAsync(new RepositoryModelLoadRequest { ModelName = "../models" }, key).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, outside.StatusCode);
    }

    [Fact]
    public async Task TheServiceAsItRunsListensOnItsHttpAddressAndItsGrpcPort()
    {
        var grpcPort = ServiceProcess.FreePort();
        using var service = ServiceProcess.StartWith(new Dictionary<string, string> { ["Grpc__Port"] = $"{grpcPort}" });
        await service.WaitUntilReadyAsync();

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var client = new GRPCInferenceService.GRPCInferenceServiceClient(channel);
        Assert.True((await client.ServerReadyAsync(new ServerReadyRequest())).Ready);
        using var http = new HttpClient { BaseAddress = service.Address };
        using var ready = await http.GetAsync("/health/ready");
        Assert.Equal(200, (int)ready.StatusCode);
    }
}
