using System.ComponentModel.DataAnnotations;

namespace Autoencoder.Api.Limits;

/// <summary>
/// What one client and one request may use. Bound from the "Limits" configuration section; the defaults let a
/// legitimate user (even a load test at concurrency 64 from one machine) through untouched.
/// </summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>Largest image file, in bytes (413 beyond).</summary>
    [Range(1, long.MaxValue)]
    public long MaxImageBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Largest request body of an upload endpoint (two images for /interpolate, plus form overhead).</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBodyBytes { get; set; } = (2 * 10 * 1024 * 1024) + (64 * 1024);

    /// <summary>Largest JSON request body (/decode): a latent is a few hundred bytes, 10,000 of them about 2.5 MB.</summary>
    [Range(1, long.MaxValue)]
    public long MaxJsonBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest bulk body: an IDX file (raw or gzip) for /encode or a .npy matrix for /decode.</summary>
    [Range(1, long.MaxValue)]
    public long MaxBulkBodyBytes { get; set; } = 96 * 1024 * 1024;

    /// <summary>Most images (or latents) in one bulk request; the full 60,000-image MNIST training set fits.</summary>
    [Range(1, 10_000_000)]
    public int MaxBulkImages { get; set; } = 100_000;

    /// <summary>
    /// Most images in one grid of heat maps (/score of an IDX file with Accept: image/png). Each heat map is 344x112
    /// RGB for a 28x28 image, 50 times the pixels of a /decode grid's cell: 256 of them make a 3.6-megapixel PNG
    /// (about 10 MB to draw), where the bulk limit's 100,000 would make 4 gigapixels.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxHeatMapImages { get; set; } = 256;

    /// <summary>Most files one multipart request may carry.</summary>
    [Range(1, 1000)]
    public int MaxFormFiles { get; set; } = 4;

    /// <summary>Time a request may take before it is cancelled (inference included) and answered 503.</summary>
    [Range(0.001, 3600)]
    public double RequestTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Inference requests that are not small (see <see cref="SmallRequestBytes"/>: larger uploads, bulk bodies, bodies
    /// of undeclared length) served at once; 0: two per core. Each may buffer a body of up to
    /// <see cref="MaxUploadBodyBytes"/>, or a bulk body and what it expands to.
    /// </summary>
    [Range(0, 10_000)]
    public int InferenceConcurrency { get; set; }

    /// <summary>
    /// Largest declared body (Content-Length) of a small inference request: an image upload such as a digit's PNG, or
    /// a sixteenth of this for JSON latents. Bulk bodies are never small.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long SmallRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Small inference requests served at once; 0: 32 per core. Their bodies are small, and what they decode is
    /// bounded by <see cref="DecodePixelBudget"/>, so many can be in flight; that is what lets batching form batches.
    /// </summary>
    [Range(0, 100_000)]
    public int SmallRequestConcurrency { get; set; }

    /// <summary>Inference requests of each of the two kinds that may wait for a turn; beyond that, 503 with Retry-After.</summary>
    [Range(0, 1_000_000)]
    public int InferenceQueue { get; set; } = 1024;

    /// <summary>
    /// Pixels being decoded at once, all requests together; an image waits until its pixels fit. 0: two per core
    /// images of the largest size allowed (Images:MaxPixels), the same worst case as two requests per core, but no more
    /// than a quarter of <see cref="MemoryBytes"/> at 4 bytes a pixel. Never less than one image of the largest size,
    /// or that image could never be decoded.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long DecodePixelBudget { get; set; }

    /// <summary>
    /// Memory for connection buffers in 64 KB blocks, all connections together (see <see cref="ConnectionBufferPool"/>);
    /// past it, buffers are Kestrel's 4 KB blocks. 0: always 4 KB blocks.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long LargeConnectionBufferBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>
    /// Memory for request bodies of the inference endpoints, all requests together: each body is received whole before
    /// its request takes an inference slot, in segments taken as its bytes arrive. A body that finds no room is answered
    /// 503 with Retry-After. 0: an eighth of <see cref="MemoryBytes"/>, at most 256 MiB. Never less than the largest
    /// body one endpoint accepts.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long BodyBufferBytes { get; set; }

    /// <summary>
    /// The memory the process may use, which the memory budgets (<see cref="BodyBufferBytes"/>,
    /// <see cref="DecodePixelBudget"/>, <see cref="WorkMemoryBytes"/>) are sized from when not set. 0: the memory limit
    /// of the process's control group (a container's or pod's limit), else the machine's memory.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long MemoryBytes { get; set; }

    /// <summary>
    /// Memory for what requests produce, all requests together: images, latents and encoded answers of bulk requests,
    /// grids, protocol outputs (see <see cref="WorkMemory"/>). A request reserves its share before the work starts (a
    /// streamed answer, one piece's worth); one that can never fit is a 413, one that finds no room a 503 with
    /// Retry-After. 0: a quarter of <see cref="MemoryBytes"/>.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long WorkMemoryBytes { get; set; }

    /// <summary>Time the body of an inference request may take to arrive in full; a slower one is answered 408.</summary>
    [Range(0.001, 3600)]
    public double BodyTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Slowest a body may arrive, in bytes a second averaged after <see cref="MinBodyRateGraceSeconds"/>; a slower sender
    /// is answered 408 and its connection closed (Kestrel's MinRequestBodyDataRate). 0 turns the check off.
    /// </summary>
    [Range(0, double.MaxValue)]
    public double MinBodyBytesPerSecond { get; set; } = 240;

    /// <summary>Time a body has before <see cref="MinBodyBytesPerSecond"/> applies; more than Kestrel's 1 s heartbeat.</summary>
    [Range(1.5, 3600)]
    public double MinBodyRateGraceSeconds { get; set; } = 5;

    /// <summary>Time a client has to send a request's headers (Kestrel's RequestHeadersTimeout; its default is 30 s).</summary>
    [Range(0.001, 3600)]
    public double HeadersTimeoutSeconds { get; set; } = 10;

    /// <summary>Connections one client address may hold open at once; past it, a new one is closed at once. 0: no cap.</summary>
    [Range(0, int.MaxValue)]
    public int MaxConnectionsPerClient { get; set; } = 1024;

    /// <summary>Requests one client address may make per window; 0 turns rate limiting off (the default).</summary>
    [Range(0, int.MaxValue)]
    public int RateLimitPermits { get; set; }

    /// <summary>The rate limit's window.</summary>
    [Range(1, 86_400)]
    public int RateLimitWindowSeconds { get; set; } = 60;

    public int EffectiveInferenceConcurrency => InferenceConcurrency > 0 ? InferenceConcurrency : 2 * Environment.ProcessorCount;

    public int EffectiveSmallRequestConcurrency => SmallRequestConcurrency > 0 ? SmallRequestConcurrency : 32 * Environment.ProcessorCount;

    /// <summary>The largest body any endpoint accepts.</summary>
    public long LargestBodyBytes => Math.Max(MaxUploadBodyBytes, Math.Max(MaxBulkBodyBytes, MaxJsonBodyBytes));

    /// <summary>The memory the process may use: <see cref="MemoryBytes"/>, or its control group's limit, or the machine's memory.</summary>
    public long EffectiveMemoryBytes => ProcessMemory.LimitBytes(MemoryBytes);

    /// <summary>The memory for request bodies: never less than one body of the largest size, or it could never be received.</summary>
    public long EffectiveBodyBufferBytes =>
        Math.Max(BodyBufferBytes > 0 ? BodyBufferBytes : Math.Min(256L * 1024 * 1024, EffectiveMemoryBytes / 8), LargestBodyBytes);

    /// <summary>The memory for what requests produce.</summary>
    public long EffectiveWorkMemoryBytes => WorkMemoryBytes > 0 ? WorkMemoryBytes : EffectiveMemoryBytes / 4;

    /// <summary>The decode budget in pixels, given the largest image allowed.</summary>
    public long EffectiveDecodePixelBudget(long maxImagePixels) =>
        Math.Max(
            DecodePixelBudget > 0
                ? DecodePixelBudget
                : Math.Min(2L * Environment.ProcessorCount * maxImagePixels, EffectiveMemoryBytes / 4 / 4),
            maxImagePixels);
}
