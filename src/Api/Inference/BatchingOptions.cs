using System.ComponentModel.DataAnnotations;

namespace Autoencoder.Api.Inference;

/// <summary>Dynamic batching of concurrent requests. Bound from the "Batching" configuration section.</summary>
public sealed class BatchingOptions
{
    public const string Section = "Batching";

    /// <summary>Whether concurrent requests to a model are coalesced into batched runs.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Most images (or latents) in one batched run.</summary>
    [Range(1, 4096)]
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>
    /// How long a batch may wait for more requests after its first arrived, in microseconds. 0 batches only what is
    /// already queued, which under load is plenty: requests gather while the previous batch runs.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxDelayMicroseconds { get; set; }
}
