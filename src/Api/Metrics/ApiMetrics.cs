using Prometheus;

namespace Autoencoder.Api.Metrics;

/// <summary>
/// The service's Prometheus metrics, in a registry of its own (not the library's process-wide default), served
/// at /metrics. Names follow Prometheus conventions: base units in the name (_seconds), _total for counters.
/// </summary>
public sealed class ApiMetrics
{
    // 50 us .. ~1.6 s: single inferences take tens of microseconds, bulk batches up to a second.
    private static readonly double[] DurationBuckets = Histogram.ExponentialBuckets(0.00005, 2, 16);

    public ApiMetrics()
    {
        var metrics = Prometheus.Metrics.WithCustomRegistry(Registry);
        InferenceDuration = metrics.CreateHistogram(
            "autoencoder_inference_duration_seconds",
            "Time of one ONNX Runtime run (one batch), by model and stage.",
            new HistogramConfiguration { LabelNames = ["model", "stage"], Buckets = DurationBuckets });
        BatchSize = metrics.CreateHistogram(
            "autoencoder_batch_size",
            "Images or latents in one ONNX Runtime run, by model and stage.",
            new HistogramConfiguration { LabelNames = ["model", "stage"], Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });
        QueueWait = metrics.CreateHistogram(
            "autoencoder_queue_wait_seconds",
            "Time a request waited for its batch to start, by model and stage.",
            new HistogramConfiguration { LabelNames = ["model", "stage"], Buckets = DurationBuckets });
        ImagesProcessed = metrics.CreateCounter(
            "autoencoder_images_processed_total",
            "Images and latents through a model, by model and stage.",
            new CounterConfiguration { LabelNames = ["model", "stage"] });
        ModelInfo = metrics.CreateGauge(
            "autoencoder_model_info",
            "1 for each served model, labelled with the execution provider it runs on.",
            new GaugeConfiguration { LabelNames = ["model", "provider"] });
        InferenceSlotsInUse = metrics.CreateGauge(
            "autoencoder_inference_slots_in_use",
            "Requests running in an inference slot, by kind of slot (small or large).",
            new GaugeConfiguration { LabelNames = ["kind"] });
        BufferedBodyBytes = metrics.CreateGauge(
            "autoencoder_buffered_body_bytes",
            "Memory held for request bodies being received or served, all requests together (Limits:BodyBufferBytes bounds it).");
        WorkMemoryBytes = metrics.CreateGauge(
            "autoencoder_work_memory_bytes",
            "Memory reserved for what requests produce (images, latents, grids, protocol outputs), all requests together (Limits:WorkMemoryBytes bounds it).");
        ModelLoads = metrics.CreateCounter(
            "autoencoder_model_loads_total",
            "Model versions loaded while the service runs, at start included, by model and outcome (loaded or failed).",
            new CounterConfiguration { LabelNames = ["model", "outcome"] });
        ModelVersionsServed = metrics.CreateGauge(
            "autoencoder_model_versions_served",
            "Versions of each model being served now.",
            new GaugeConfiguration { LabelNames = ["model"] });
        ConnectionsRefused = metrics.CreateCounter(
            "autoencoder_connections_refused_total",
            "Connections closed at once because their client address already held Limits:MaxConnectionsPerClient.");
    }

    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    public Histogram InferenceDuration { get; }

    public Histogram BatchSize { get; }

    public Histogram QueueWait { get; }

    public Counter ImagesProcessed { get; }

    public Gauge ModelInfo { get; }

    public Gauge InferenceSlotsInUse { get; }

    public Gauge BufferedBodyBytes { get; }

    public Gauge WorkMemoryBytes { get; }

    public Counter ConnectionsRefused { get; }

    public Counter ModelLoads { get; }

    public Gauge ModelVersionsServed { get; }
}
