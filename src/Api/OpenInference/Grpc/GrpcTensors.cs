using System.Buffers;
using System.Runtime.InteropServices;
using Autoencoder.Api.Errors;
using Autoencoder.Api.Limits;
using Autoencoder.Api.OpenInference.Grpc.Protocol;
using Google.Protobuf;
using static Autoencoder.Api.OpenInference.InferenceRequestReader;

namespace Autoencoder.Api.OpenInference.Grpc;

/// <summary>
/// ModelInfer's messages to and from the rows the model runs on: the one input checked as the REST binding checks it
/// (the same messages), its values from raw_input_contents (little-endian FP32) or from contents' fp32_contents; the
/// output the same way the input came.
/// </summary>
internal static class GrpcTensors
{
    public static CheckedInference Read(ModelInferRequest request, ProtocolModel model, LimitsOptions limits)
    {
        var expected = model.Input;
        if (request.Inputs.Count == 0)
        {
            throw ClientInputException.Invalid($"The request has no 'inputs'; model '{model.Name}' takes '{expected.Name}' {Describe(expected)}.");
        }

        var unknown = request.Inputs.FirstOrDefault(input => input.Name != expected.Name);
        if (unknown is not null)
        {
            throw ClientInputException.Invalid($"Model '{model.Name}' has no input '{ClientText.Echo(unknown.Name)}'; it takes one input, '{expected.Name}' {Describe(expected)}.");
        }

        if (request.Inputs.Count > 1)
        {
            throw ClientInputException.Invalid($"Input '{expected.Name}' is given {request.Inputs.Count} times; give it once.");
        }

        var input = request.Inputs[0];
        if (input.Datatype != ProtocolModel.Datatype)
        {
            throw ClientInputException.Invalid($"Input '{expected.Name}' must have datatype {ProtocolModel.Datatype}, not '{ClientText.Echo(input.Datatype)}'.");
        }

        RejectSharedMemory(input.Parameters.Keys.Concat(request.Parameters.Keys), $"input '{expected.Name}'");
        var shape = input.Shape.ToArray();
        var count = CheckShape(shape, expected, limits);
        var values = (long)count * model.InputRowSize;
        if (values > Array.MaxLength)
        {
            throw ClientInputException.TooLarge($"A batch of {count} is {values} values, more than one request can hold; send at most {Array.MaxLength / model.InputRowSize}.");
        }

        CheckOutputs(request, model);
        var raw = request.RawInputContents.Count > 0;
        var rows = ArrayPool<float>.Shared.Rent((int)values);
        try
        {
            if (raw)
            {
                ReadRaw(request, input, rows.AsSpan(0, (int)values), shape, expected.Name);
            }
            else
            {
                ReadContents(input, rows.AsSpan(0, (int)values), shape, expected.Name);
            }

            return new CheckedInference(request.Id, rows, count, raw);
        }
        catch
        {
            ArrayPool<float>.Shared.Return(rows);
            throw;
        }
    }

    /// <summary>The answer: the output as raw little-endian bytes when the input came raw, else as fp32_contents.</summary>
    public static ModelInferResponse Write(ProtocolModel model, CheckedInference inference, float[] output)
    {
        var tensor = new ModelInferResponse.Types.InferOutputTensor { Name = model.Output.Name, Datatype = ProtocolModel.Datatype };
        tensor.Shape.Add(inference.Count);
        tensor.Shape.AddRange(model.Output.Shape.Skip(1));
        var response = new ModelInferResponse { ModelName = model.Name, ModelVersion = model.Version, Id = inference.Id ?? "" };
        response.Outputs.Add(tensor);
        if (inference.BinaryOutput)
        {
            response.RawOutputContents.Add(UnsafeByteOperations.UnsafeWrap(LittleEndian(output)));
        }
        else
        {
            tensor.Contents = new InferTensorContents();
            tensor.Contents.Fp32Contents.AddRange(output);
        }

        return response;
    }

    private static void ReadRaw(ModelInferRequest request, ModelInferRequest.Types.InferInputTensor input, Span<float> rows, long[] shape, string name)
    {
        if (input.Contents is not null)
        {
            throw ClientInputException.Invalid($"Input '{name}' has both 'contents' and raw_input_contents; send its values one way.");
        }

        if (request.RawInputContents.Count != 1)
        {
            throw ClientInputException.Invalid($"raw_input_contents holds {request.RawInputContents.Count} tensors, but the request has 1 input.");
        }

        var bytes = request.RawInputContents[0].Span;
        if (bytes.Length != rows.Length * sizeof(float))
        {
            throw ClientInputException.Invalid(
                $"Input '{name}' of shape {Shape(shape)} is {rows.Length * sizeof(float)} bytes of {ProtocolModel.Datatype}, but raw_input_contents holds {bytes.Length}.");
        }

        MemoryMarshal.Cast<byte, float>(bytes).CopyTo(rows);
        if (!BitConverter.IsLittleEndian)
        {
            var words = MemoryMarshal.Cast<float, int>(rows);
            System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(words, words);
        }
    }

    private static void ReadContents(ModelInferRequest.Types.InferInputTensor input, Span<float> rows, long[] shape, string name)
    {
        var contents = input.Contents;
        if (contents is null)
        {
            throw ClientInputException.Invalid($"Input '{name}' needs its values: 'contents' with fp32_contents, or raw_input_contents.");
        }

        if (contents.BoolContents.Count + contents.IntContents.Count + contents.Int64Contents.Count + contents.UintContents.Count
            + contents.Uint64Contents.Count + contents.Fp64Contents.Count + contents.BytesContents.Count > 0)
        {
            throw ClientInputException.Invalid($"Input '{name}' is {ProtocolModel.Datatype}: its values go in fp32_contents.");
        }

        var values = contents.Fp32Contents;
        if (values.Count != rows.Length)
        {
            throw ClientInputException.Invalid($"Input '{name}' has shape {Shape(shape)}, which is {rows.Length} values, but its fp32_contents holds {values.Count}.");
        }

        for (var index = 0; index < rows.Length; index++)
        {
            var value = values[index];
            rows[index] = float.IsFinite(value)
                ? value
                : throw ClientInputException.Invalid($"Input '{name}' must hold {ProtocolModel.Datatype} numbers; value {index} is {value}.");
        }
    }

    private static void CheckOutputs(ModelInferRequest request, ProtocolModel model)
    {
        var expected = model.Output.Name;
        foreach (var output in request.Outputs)
        {
            if (output.Name != expected)
            {
                throw ClientInputException.Invalid($"Model '{model.Name}' has no output '{ClientText.Echo(output.Name)}'; it gives one output, '{expected}'.");
            }

            if (output.Parameters.ContainsKey("classification"))
            {
                throw ClientInputException.Invalid($"Output '{expected}' is a tensor of latents or pixels; the classification extension is not supported.");
            }

            RejectSharedMemory(output.Parameters.Keys, $"output '{expected}'");
        }
    }

    private static void RejectSharedMemory(IEnumerable<string> parameters, string where)
    {
        if (parameters.FirstOrDefault(key => key.StartsWith("shared_memory_", StringComparison.Ordinal)) is { } key)
        {
            throw ClientInputException.Invalid($"'{key}' of {where}: the shared-memory extensions are not supported; send the data in the message.");
        }
    }

    private static byte[] LittleEndian(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes);
        if (!BitConverter.IsLittleEndian)
        {
            var words = MemoryMarshal.Cast<byte, int>(bytes.AsSpan());
            System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(words, words);
        }

        return bytes;
    }
}
