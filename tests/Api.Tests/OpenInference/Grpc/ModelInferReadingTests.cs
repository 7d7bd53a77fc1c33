using System.Buffers;
using Autoencoder.Api.OpenInference.Grpc;
using Autoencoder.Api.OpenInference.Grpc.Protocol;
using Google.Protobuf;

namespace Autoencoder.Api.Tests.OpenInference.Grpc;

/// <summary>ModelInfer's own reader gives what protobuf's parser gives, however the message arrives in pieces.</summary>
public sealed class ModelInferReadingTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100_000)]
    public void ReadsWhatProtobufReadsFromAMessageInPiecesOfAnySize(int pieceSize)
    {
        var request = new ModelInferRequest { ModelName = "mnist-decoder", ModelVersion = "2", Id = "call", Parameters = { ["p"] = new InferParameter { Int64Param = -5 } } };
        var tensor = new ModelInferRequest.Types.InferInputTensor { Name = "latent", Datatype = "FP32", Shape = { 3, 20 } };
        request.Inputs.Add(tensor);
        request.Outputs.Add(new ModelInferRequest.Types.InferRequestedOutputTensor { Name = "image" });
        var raw = Enumerable.Range(0, 240).Select(index => (byte)(index * 7)).ToArray();
        request.RawInputContents.Add(ByteString.CopyFrom(raw));
        request.RawInputContents.Add(ByteString.CopyFrom([1, 2, 3]));

        var read = ModelInferReading.Parse(InPieces(request.ToByteArray(), pieceSize));

        Assert.Equal(request, read);
        ModelInferReading.Release(read);
        Assert.Empty(read.RawInputContents);
    }

    [Fact]
    public void AMessageCutShortIsRefused()
    {
        var request = new ModelInferRequest { ModelName = "mnist-decoder", RawInputContents = { ByteString.CopyFrom(new byte[100]) } };
        var bytes = request.ToByteArray();

        Assert.Throws<InvalidDataException>(() => ModelInferReading.Parse(new ReadOnlySequence<byte>(bytes[..^10])));
    }

    private static ReadOnlySequence<byte> InPieces(byte[] bytes, int size)
    {
        Piece? first = null;
        Piece? last = null;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            var piece = new Piece(bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset)), last);
            first ??= piece;
            last = piece;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Piece : ReadOnlySequenceSegment<byte>
    {
        public Piece(ReadOnlyMemory<byte> memory, Piece? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
