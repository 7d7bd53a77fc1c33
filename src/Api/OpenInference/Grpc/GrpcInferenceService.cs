using Autoencoder.Api.Http;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Autoencoder.Api.OpenInference.Grpc.Protocol;
using Autoencoder.Api.Repository;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.OpenInference.Grpc;

/// <summary>
/// The protocol's GRPCInferenceService: the same models, versions, checks, batching, limits, repository and key as the
/// REST binding (<see cref="OpenInferenceApi"/>, <see cref="RepositoryApi"/>); errors become status codes in
/// <see cref="GrpcErrors"/>.
/// </summary>
[BindServiceMethod(typeof(GrpcInferenceBinding), nameof(GrpcInferenceBinding.BindService))]
public class GrpcInferenceService(
    ModelRegistry registry,
    ModelRepository repository,
    ControlKey controlKey,
    AutoencoderService service,
    InferenceStatistics statistics,
    WorkMemory memory,
    IOptions<LimitsOptions> limits)
{
    public virtual Task<Protocol.ServerLiveResponse> ServerLive(ServerLiveRequest request, ServerCallContext context) =>
        Task.FromResult(new Protocol.ServerLiveResponse { Live = true });

    public virtual Task<Protocol.ServerReadyResponse> ServerReady(ServerReadyRequest request, ServerCallContext context) =>
        Task.FromResult(new Protocol.ServerReadyResponse { Ready = repository.Readiness().Ready });

    public virtual Task<Protocol.ModelReadyResponse> ModelReady(ModelReadyRequest request, ServerCallContext context)
    {
        Find(request.Name, request.Version);
        return Task.FromResult(new Protocol.ModelReadyResponse { Ready = registry.IsWarm });
    }

    public virtual Task<Protocol.ServerMetadataResponse> ServerMetadata(ServerMetadataRequest request, ServerCallContext context)
    {
        var server = OpenInferenceApi.Server;
        var response = new Protocol.ServerMetadataResponse { Name = server.Name, Version = server.Version };
        response.Extensions.AddRange(server.Extensions);
        return Task.FromResult(response);
    }

    public virtual Task<Protocol.ModelMetadataResponse> ModelMetadata(ModelMetadataRequest request, ServerCallContext context)
    {
        var metadata = Find(request.Name, request.Version).Metadata();
        var response = new Protocol.ModelMetadataResponse { Name = metadata.Name, Platform = metadata.Platform };
        response.Versions.AddRange(metadata.Versions);
        response.Inputs.AddRange(metadata.Inputs.Select(Tensor));
        response.Outputs.AddRange(metadata.Outputs.Select(Tensor));
        return Task.FromResult(response);
    }

    public virtual async Task<ModelInferResponse> ModelInfer(ModelInferRequest request, ServerCallContext context)
    {
        // The version runs this call to its end even if it is replaced meanwhile.
        ProtocolModel model = null!;
        using var lease = ModelRegistry.Leased(() => (model = Find(request.ModelName, request.ModelVersion)).Model);
        RequestLogContext.SetModel(context.GetHttpContext(), model.Name, model.Model.Provider.Name);
        CheckedInference inference;
        try
        {
            inference = GrpcTensors.Read(request, model, limits.Value);
        }
        finally
        {
            // The rows hold the values now.
            ModelInferReading.Release(request);
        }

        WorkMemory.Reservation reservation;
        try
        {
            // The output as floats, and again as the message's bytes, until the answer is written.
            reservation = memory.Reserve(2L * inference.Count * model.OutputRowSize * sizeof(float), $"A batch of {inference.Count} for {model.Name}");
        }
        catch
        {
            inference.ReturnRows();
            throw;
        }

        using (reservation)
        {
            // A call given up while its batch runs leaves the rows to the garbage collector: the batch may still read them.
            var output = await model.RunAsync(service, inference.Rows, inference.Count, context.CancellationToken);
            inference.ReturnRows();
            return GrpcTensors.Write(model, inference, output);
        }
    }

    /// <summary>Empty name: every model; empty version: each served version of the model (<see cref="InferenceStatistics.Snapshot"/>).</summary>
    public virtual Task<Protocol.ModelStatisticsResponse> ModelStatistics(ModelStatisticsRequest request, ServerCallContext context)
    {
        var response = new Protocol.ModelStatisticsResponse();
        response.ModelStats.AddRange(statistics.Snapshot(request.Name, request.Version).Select(Statistics));
        return Task.FromResult(response);
    }

    public virtual Task<RepositoryIndexResponse> RepositoryIndex(RepositoryIndexRequest request, ServerCallContext context)
    {
        RequireKey(context);
        var response = new RepositoryIndexResponse();
        response.Models.AddRange(repository.Index(request.Ready).Select(entry => new RepositoryIndexResponse.Types.ModelIndex
        {
            Name = entry.Name,
            Version = entry.Version,
            State = entry.State,
            Reason = entry.Reason,
        }));
        return Task.FromResult(response);
    }

    public virtual async Task<RepositoryModelLoadResponse> RepositoryModelLoad(RepositoryModelLoadRequest request, ServerCallContext context)
    {
        RequireKey(context);
        await repository.LoadAsync(request.ModelName, context.CancellationToken);
        return new RepositoryModelLoadResponse();
    }

    public virtual async Task<RepositoryModelUnloadResponse> RepositoryModelUnload(RepositoryModelUnloadRequest request, ServerCallContext context)
    {
        RequireKey(context);
        await repository.UnloadAsync(request.ModelName, context.CancellationToken);
        return new RepositoryModelUnloadResponse();
    }

    private ProtocolModel Find(string name, string version) => ProtocolModel.Find(registry, name, version.Length == 0 ? null : version);

    private void RequireKey(ServerCallContext context) => controlKey.Require(context.RequestHeaders.GetValue("authorization"));

    private static Protocol.ModelStatistics Statistics(ModelVersionStatistics version) => new()
    {
        Name = version.Name,
        Version = version.Version,
        LastInference = (ulong)version.LastInference,
        InferenceCount = (ulong)version.InferenceCount,
        ExecutionCount = (ulong)version.ExecutionCount,
        InferenceStats = new Protocol.InferStatistics
        {
            Success = Duration(version.Success),
            Fail = Duration(version.Fail),
            Queue = Duration(version.Queue),
            ComputeInput = Duration(version.ComputeInput),
            ComputeInfer = Duration(version.ComputeInfer),
            ComputeOutput = Duration(version.ComputeOutput),
        },
    };

    private static Protocol.StatisticDuration Duration(DurationStatistic duration) => new() { Count = (ulong)duration.Count, Ns = (ulong)duration.Nanoseconds };

    private static Protocol.ModelMetadataResponse.Types.TensorMetadata Tensor(TensorMetadata tensor)
    {
        var metadata = new Protocol.ModelMetadataResponse.Types.TensorMetadata { Name = tensor.Name, Datatype = tensor.Datatype };
        metadata.Shape.AddRange(tensor.Shape);
        return metadata;
    }
}
