using System.Text.Json;
using System.Text.Json.Serialization;

namespace Autoencoder.Api.OpenInference;

/// <summary>GET /v2: who answers and which protocol extensions it speaks.</summary>
/// <param name="Name">The server's name.</param>
/// <param name="Version">The server's version.</param>
/// <param name="Extensions">Protocol extensions supported: "binary_tensor_data".</param>
public sealed record ServerMetadataResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("extensions")] IReadOnlyList<string> Extensions);

/// <summary>GET /v2/health/live.</summary>
/// <param name="Live">Always true: the process answers.</param>
public sealed record ServerLiveResponse([property: JsonPropertyName("live")] bool Live);

/// <summary>GET /v2/health/ready.</summary>
/// <param name="Ready">Whether every model is loaded and warmed up.</param>
public sealed record ServerReadyResponse([property: JsonPropertyName("ready")] bool Ready);

/// <summary>GET /v2/models/{name}/ready.</summary>
/// <param name="Name">The protocol model's name.</param>
/// <param name="Ready">Whether it is loaded and warmed up.</param>
public sealed record ModelReadyResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("ready")] bool Ready);

/// <summary>A tensor a model takes or gives.</summary>
/// <param name="Name">The tensor's name, as in the ONNX file.</param>
/// <param name="Datatype">"FP32".</param>
/// <param name="Shape">Dimensions; -1 for the batch.</param>
public sealed record TensorMetadata(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("shape")] IReadOnlyList<long> Shape);

/// <summary>GET /v2/models/{name}: the model's tensors.</summary>
/// <param name="Name">The protocol model's name, e.g. "mnist-encoder".</param>
/// <param name="Versions">The versions served: "1".</param>
/// <param name="Platform">"onnx_onnxv1".</param>
/// <param name="Inputs">The tensor it takes.</param>
/// <param name="Outputs">The tensor it gives.</param>
public sealed record ModelMetadataResponse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("versions")] IReadOnlyList<string> Versions,
    [property: JsonPropertyName("platform")] string Platform,
    [property: JsonPropertyName("inputs")] IReadOnlyList<TensorMetadata> Inputs,
    [property: JsonPropertyName("outputs")] IReadOnlyList<TensorMetadata> Outputs);

/// <summary>POST /v2/models/{name}/infer: the JSON object of a request (followed by binary tensors, if any).</summary>
/// <param name="Id">Echoed in the response.</param>
/// <param name="Parameters">"binary_data_output": true asks for every output as binary data.</param>
/// <param name="Inputs">The input tensors.</param>
/// <param name="Outputs">The outputs wanted, and how; all of them, as JSON, if not given.</param>
public sealed record InferenceRequest(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("parameters")] Dictionary<string, JsonElement>? Parameters,
    [property: JsonPropertyName("inputs")] IReadOnlyList<RequestInput>? Inputs,
    [property: JsonPropertyName("outputs")] IReadOnlyList<RequestOutput>? Outputs);

/// <summary>An input tensor: its data as JSON (flat or nested, row-major), or "binary_data_size" bytes after the JSON.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="Shape">Its dimensions.</param>
/// <param name="Datatype">"FP32".</param>
/// <param name="Parameters">"binary_data_size": its byte count in the binary part of the body.</param>
/// <param name="Data">Its values, row-major.</param>
public sealed record RequestInput(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("shape")] long[]? Shape,
    [property: JsonPropertyName("datatype")] string? Datatype,
    [property: JsonPropertyName("parameters")] Dictionary<string, JsonElement>? Parameters,
    [property: JsonPropertyName("data")] JsonElement Data);

/// <summary>An output wanted.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="Parameters">"binary_data": true for binary data after the JSON.</param>
public sealed record RequestOutput(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("parameters")] Dictionary<string, JsonElement>? Parameters);

/// <summary>The response's JSON object.</summary>
/// <param name="ModelName">The protocol model that ran.</param>
/// <param name="ModelVersion">Its version.</param>
/// <param name="Id">The request's id, if it had one.</param>
/// <param name="Outputs">The outputs asked for.</param>
public sealed record InferenceResponse(
    [property: JsonPropertyName("model_name")] string ModelName,
    [property: JsonPropertyName("model_version")] string ModelVersion,
    [property: JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Id,
    [property: JsonPropertyName("outputs")] IReadOnlyList<ResponseOutput> Outputs);

/// <summary>An output tensor: its values as JSON (flat, row-major), or "binary_data_size" bytes after the JSON.</summary>
/// <param name="Name">The tensor's name.</param>
/// <param name="Datatype">"FP32".</param>
/// <param name="Shape">Its dimensions.</param>
/// <param name="Parameters">"binary_data_size" when the data follows the JSON.</param>
/// <param name="Data">Its values, when sent as JSON.</param>
public sealed record ResponseOutput(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("datatype")] string Datatype,
    [property: JsonPropertyName("shape")] IReadOnlyList<long> Shape,
    [property: JsonPropertyName("parameters"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, long>? Parameters,
    [property: JsonPropertyName("data"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float[]? Data);

/// <summary>Every error on the protocol's routes.</summary>
/// <param name="Error">What is wrong.</param>
public sealed record ErrorResponse([property: JsonPropertyName("error")] string Error);
