using System.Buffers;
using System.Net;
using Autoencoder.Api.Limits;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Autoencoder.Api.Tests.OpenInference.BinaryTensors;

namespace Autoencoder.Api.Tests.Hardening;

/// <summary>Kestrel's buffers come in 64 KB blocks, within a memory budget shared by all its pools, and 4 KB past it.</summary>
public sealed class ConnectionBufferPoolTests
{
    [Fact]
    public void WithinTheBudgetBuffersAreLargeBlocksThatAreReused()
    {
        using var pool = Factory(largeBlocks: 1).Create();

        var first = pool.Rent(2048);
        var memory = first.Memory;
        first.Dispose();
        using var second = pool.Rent(2048);

        Assert.Equal(ConnectionBufferPool.LargeBlockBytes, memory.Length);
        Assert.Equal(memory, second.Memory);
    }

    [Fact]
    public void PastTheBudgetOfAllPoolsTogetherBuffersAreKestrelsSmallBlocksUntilALargeOneComesBack()
    {
        var factory = Factory(largeBlocks: 2);
        using var firstPool = factory.Create();
        using var secondPool = factory.Create();

        var large = firstPool.Rent(2048);
        using var alsoLarge = secondPool.Rent(2048);
        using var small = secondPool.Rent(2048);
        large.Dispose();
        using var largeAgain = firstPool.Rent(2048);

        Assert.Equal(ConnectionBufferPool.LargeBlockBytes, alsoLarge.Memory.Length);
        Assert.Equal(ConnectionBufferPool.SmallBlockBytes, small.Memory.Length);
        Assert.Equal(ConnectionBufferPool.LargeBlockBytes, largeAgain.Memory.Length);
    }

    [Fact]
    public void ABudgetOfZeroGivesOnlySmallBlocks()
    {
        using var pool = Factory(largeBlocks: 0).Create();

        using var block = pool.Rent(2048);

        Assert.Equal(ConnectionBufferPool.SmallBlockBytes, block.Memory.Length);
    }

    [Fact]
    public void TheServerTakesItsBuffersFromThePool()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddRequestLimits();
        using var app = builder.Build();

        Assert.IsType<ConnectionBufferPool.Factory>(app.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
    }

    [Fact]
    public async Task AWholeBatchOfBinaryTensorsComesThroughKestrelInLargeBlocks()
    {
        using var factory = new KestrelApiFactory();
        using var client = factory.CreateClient();
        using var onnx = new DirectOnnx();
        var images = Enumerable.Range(0, 64).Select(Digits.ModelInput).ToArray();

        using var response = await client.PostAsync("/v2/models/mnist-encoder/infer", TritonClientRequest("image", [64, 1, 28, 28], [.. images.SelectMany(image => image)]));

        Assert.IsType<ConnectionBufferPool.Factory>(factory.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (_, latents) = await ReadBinaryAsync(response);
        for (var i = 0; i < images.Length; i++)
        {
            Assert.Equal(onnx.Encode(images[i]), latents[(i * 20)..((i + 1) * 20)]);
        }
    }

    private static ConnectionBufferPool.Factory Factory(int largeBlocks) =>
        new(Options.Create(new LimitsOptions { LargeConnectionBufferBytes = (long)largeBlocks * ConnectionBufferPool.LargeBlockBytes }));
}
