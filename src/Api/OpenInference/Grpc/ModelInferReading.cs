using System.Buffers;
using System.Runtime.CompilerServices;
using Autoencoder.Api.OpenInference.Grpc.Protocol;
using Google.Protobuf;
using Grpc.Core;

namespace Autoencoder.Api.OpenInference.Grpc;

/// <summary>
/// Reads a ModelInfer message as the REST binding reads a binary body: the small fields by protobuf, and each
/// raw_input_contents (a batch of 64 digits is 200 KB) copied once from the received bytes into an array rented from the
/// shared pool, which the call gives back (<see cref="Release"/>) once its rows are read. Protobuf itself would copy it
/// into a new array of its own, on the large object heap, which only full collections clear.
/// </summary>
public static class ModelInferReading
{
    private const int RawInputContents = 7;

    private static readonly ConditionalWeakTable<ModelInferRequest, List<byte[]>> Rented = [];

    public static Marshaller<ModelInferRequest> Marshaller { get; } = Marshallers.Create(
        (request, context) => context.Complete(request.ToByteArray()),
        context => Parse(context.PayloadAsReadOnlySequence()));

    /// <summary>Gives back the arrays the message's raw contents were read into; the message must not be read after.</summary>
    public static void Release(ModelInferRequest request)
    {
        if (Rented.TryGetValue(request, out var arrays))
        {
            Rented.Remove(request);
            request.RawInputContents.Clear();
            foreach (var array in arrays)
            {
                ArrayPool<byte>.Shared.Return(array);
            }
        }
    }

    public static ModelInferRequest Parse(ReadOnlySequence<byte> message)
    {
        var reader = new SequenceReader<byte>(message);
        var fields = new ArrayBufferWriter<byte>(256);
        List<(byte[] Array, int Length)> raw = [];
        try
        {
            while (!reader.End)
            {
                var start = reader.Position;
                var tag = ReadVarint(ref reader);
                var length = (tag & 7) switch
                {
                    0 => SkipVarint(ref reader),
                    1 => 8,
                    2 => checked((long)ReadVarint(ref reader)),
                    5 => 4,
                    _ => throw new InvalidDataException($"ModelInferRequest has a field of wire type {tag & 7}, which the protocol does not use."),
                };
                if (length < 0 || length > reader.Remaining)
                {
                    throw new InvalidDataException("ModelInferRequest ends inside a field.");
                }

                if (tag >> 3 == RawInputContents && (tag & 7) == 2)
                {
                    var array = ArrayPool<byte>.Shared.Rent((int)length);
                    raw.Add((array, (int)length));
                    reader.Sequence.Slice(reader.Position, length).CopyTo(array);
                    reader.Advance(length);
                    continue;
                }

                reader.Advance(length);
                foreach (var segment in message.Slice(start, reader.Position))
                {
                    fields.Write(segment.Span);
                }
            }

            var request = ModelInferRequest.Parser.ParseFrom(fields.WrittenSpan);
            foreach (var (array, length) in raw)
            {
                request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(array.AsMemory(0, length)));
            }

            Rented.Add(request, [.. raw.Select(entry => entry.Array)]);
            return request;
        }
        catch
        {
            foreach (var (array, _) in raw)
            {
                ArrayPool<byte>.Shared.Return(array);
            }

            throw;
        }
    }

    private static ulong ReadVarint(ref SequenceReader<byte> reader)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out var next))
            {
                throw new InvalidDataException("ModelInferRequest ends inside a number.");
            }

            value |= (ulong)(next & 0x7F) << shift;
            if (next < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("ModelInferRequest has a number longer than ten bytes.");
    }

    private static long SkipVarint(ref SequenceReader<byte> reader)
    {
        ReadVarint(ref reader);
        return 0;
    }
}

/// <summary>
/// Binds <see cref="GrpcInferenceService"/>'s methods to the protocol's service, as the generated code would, but ModelInfer's
/// request read by <see cref="ModelInferReading"/>.
/// </summary>
public static class GrpcInferenceBinding
{
    private static readonly string Service = GRPCInferenceService.Descriptor.FullName;

    /// <summary>The service's description, which server reflection gives out.</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => GRPCInferenceService.Descriptor;

    public static void BindService(ServiceBinderBase binder, GrpcInferenceService? service)
    {
        binder.AddMethod(Unary("ServerLive", ServerLiveRequest.Parser, Protocol.ServerLiveResponse.Parser), service is null ? null : service.ServerLive);
        binder.AddMethod(Unary("ServerReady", ServerReadyRequest.Parser, Protocol.ServerReadyResponse.Parser), service is null ? null : service.ServerReady);
        binder.AddMethod(Unary("ModelReady", ModelReadyRequest.Parser, Protocol.ModelReadyResponse.Parser), service is null ? null : service.ModelReady);
        binder.AddMethod(Unary("ServerMetadata", ServerMetadataRequest.Parser, Protocol.ServerMetadataResponse.Parser), service is null ? null : service.ServerMetadata);
        binder.AddMethod(Unary("ModelMetadata", ModelMetadataRequest.Parser, Protocol.ModelMetadataResponse.Parser), service is null ? null : service.ModelMetadata);
        binder.AddMethod(
            new Method<ModelInferRequest, ModelInferResponse>(MethodType.Unary, Service, "ModelInfer", ModelInferReading.Marshaller, Messages(ModelInferResponse.Parser)),
            service is null ? null : service.ModelInfer);
        binder.AddMethod(Unary("ModelStatistics", ModelStatisticsRequest.Parser, Protocol.ModelStatisticsResponse.Parser), service is null ? null : service.ModelStatistics);
        binder.AddMethod(Unary("RepositoryIndex", RepositoryIndexRequest.Parser, RepositoryIndexResponse.Parser), service is null ? null : service.RepositoryIndex);
        binder.AddMethod(Unary("RepositoryModelLoad", RepositoryModelLoadRequest.Parser, RepositoryModelLoadResponse.Parser), service is null ? null : service.RepositoryModelLoad);
        binder.AddMethod(Unary("RepositoryModelUnload", RepositoryModelUnloadRequest.Parser, RepositoryModelUnloadResponse.Parser), service is null ? null : service.RepositoryModelUnload);
    }

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name, MessageParser<TRequest> requests, MessageParser<TResponse> responses)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(MethodType.Unary, Service, name, Messages(requests), Messages(responses));

    private static Marshaller<T> Messages<T>(MessageParser<T> parser)
        where T : class, IMessage<T> =>
        Marshallers.Create<T>(
            (message, context) =>
            {
                context.SetPayloadLength(message.CalculateSize());
                message.WriteTo(context.GetBufferWriter());
                context.Complete();
            },
            context => parser.ParseFrom(context.PayloadAsReadOnlySequence()));
}
