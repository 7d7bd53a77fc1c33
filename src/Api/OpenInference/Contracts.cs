using System.Text.Json;
using System.Text.Json.Serialization;

namespace Autoencoder.Api.OpenInference;

/// <summary>GET /v2: who answers and which protocol extensions it speaks.</summary>
/// <param name="Name">The server's name.</param>
/// <param name="Version">The server's version.</param>
/// <param name="Extensions">Protocol extensions supported: "binary_tensor_data", "model_repository", "statistics".</param>
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

/// <summary>GET /v2/models/stats, /v2/models/{name}/stats, /v2/models/{name}/versions/{version}/stats: Triton's statistics extension.</summary>
/// <param name="ModelStats">One entry per protocol model and version, by name and version.</param>
public sealed record ModelStatisticsResponse([property: JsonPropertyName("model_stats")] IReadOnlyList<ModelStatistics> ModelStats)
{
    public static ModelStatisticsResponse From(IReadOnlyList<Inference.ModelVersionStatistics> statistics) =>
        new([.. statistics.Select(version => new ModelStatistics(
            version.Name,
            version.Version,
            version.LastInference,
            version.InferenceCount,
            version.ExecutionCount,
            new InferStatistics(
                StatisticDuration.From(version.Success),
                StatisticDuration.From(version.Fail),
                StatisticDuration.From(version.Queue),
                StatisticDuration.From(version.ComputeInput),
                StatisticDuration.From(version.ComputeInfer),
                StatisticDuration.From(version.ComputeOutput),
                new StatisticDuration(0, 0)),
            []))]);
}

/// <summary>What one version of a protocol model has done since it was loaded.</summary>
/// <param name="Name">The protocol model, e.g. "mnist-encoder".</param>
/// <param name="Version">Its version.</param>
/// <param name="LastInference">When its last request ended, in milliseconds since the epoch; 0 before the first.</param>
/// <param name="InferenceCount">Rows (images or latents) of its requests that succeeded.</param>
/// <param name="ExecutionCount">ONNX Runtime runs: a batched run serves many requests, a bulk request takes several runs.</param>
/// <param name="InferenceStats">Requests and runs, counted and timed.</param>
/// <param name="BatchStats">Per batch size: not kept, always empty.</param>
public sealed record ModelStatistics(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("last_inference")] long LastInference,
    [property: JsonPropertyName("inference_count")] long InferenceCount,
    [property: JsonPropertyName("execution_count")] long ExecutionCount,
    [property: JsonPropertyName("inference_stats")] InferStatistics InferenceStats,
    [property: JsonPropertyName("batch_stats")] IReadOnlyList<BatchStatistics> BatchStats);

/// <summary>Requests and runs of a protocol model version, each a count and a total duration.</summary>
/// <param name="Success">Requests that succeeded, with their time in the stage (queue included).</param>
/// <param name="Fail">Requests that failed or were cancelled after asking the stage to run.</param>
/// <param name="Queue">Requests that went through the dynamic batcher, with their wait for their batch.</param>
/// <param name="ComputeInput">Runs, with their time preparing the input tensor.</param>
/// <param name="ComputeInfer">Runs, with their time in ONNX Runtime.</param>
/// <param name="ComputeOutput">Runs, with their time handing the output back (the run wrote it in place).</param>
/// <param name="CacheHit">Always zero: there is no response cache.</param>
public sealed record InferStatistics(
    [property: JsonPropertyName("success")] StatisticDuration Success,
    [property: JsonPropertyName("fail")] StatisticDuration Fail,
    [property: JsonPropertyName("queue")] StatisticDuration Queue,
    [property: JsonPropertyName("compute_input")] StatisticDuration ComputeInput,
    [property: JsonPropertyName("compute_infer")] StatisticDuration ComputeInfer,
    [property: JsonPropertyName("compute_output")] StatisticDuration ComputeOutput,
    [property: JsonPropertyName("cache_hit")] StatisticDuration CacheHit);

/// <summary>A count and its total duration.</summary>
/// <param name="Count">How many times.</param>
/// <param name="Ns">Their total duration, in nanoseconds.</param>
public sealed record StatisticDuration(
    [property: JsonPropertyName("count")] long Count,
    [property: JsonPropertyName("ns")] long Ns)
{
    public static StatisticDuration From(Inference.DurationStatistic duration) => new(duration.Count, duration.Nanoseconds);
}

/// <summary>One batch size's runs, in Triton's batch_stats (which this service does not keep).</summary>
/// <param name="BatchSize">The batch size.</param>
/// <param name="ComputeInput">Runs of it, with their time preparing the input.</param>
/// <param name="ComputeInfer">Runs of it, with their time in ONNX Runtime.</param>
/// <param name="ComputeOutput">Runs of it, with their time handing the output back (the run wrote it in place).</param>
public sealed record BatchStatistics(
    [property: JsonPropertyName("batch_size")] long BatchSize,
    [property: JsonPropertyName("compute_input")] StatisticDuration ComputeInput,
    [property: JsonPropertyName("compute_infer")] StatisticDuration ComputeInfer,
    [property: JsonPropertyName("compute_output")] StatisticDuration ComputeOutput);

/// <summary>Every error on the protocol's routes.</summary>
/// <param name="Error">What is wrong.</param>
public sealed record ErrorResponse([property: JsonPropertyName("error")] string Error);
