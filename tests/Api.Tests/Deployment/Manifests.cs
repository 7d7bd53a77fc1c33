using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace Autoencoder.Api.Tests.Deployment;

/// <summary>The Kubernetes manifests in deploy/kubernetes, parsed with the official client's models.</summary>
public static partial class Manifests
{
    public static string Directory => Path.Combine(TestData.RepositoryRoot, "deploy", "kubernetes");

    /// <summary>Custom resources the manifests use, besides the built-in kinds the client knows.</summary>
    private static readonly Dictionary<string, Type> CustomKinds = new()
    {
        ["serving.kserve.io/v1beta1/InferenceService"] = typeof(InferenceService),
        ["serving.kserve.io/v1alpha1/TrainedModel"] = typeof(TrainedModel),
        ["monitoring.coreos.com/v1/ServiceMonitor"] = typeof(ServiceMonitor),
    };

    /// <summary>Every object of every manifest but kustomization.yaml, by file relative to the folder.</summary>
    public static IReadOnlyList<(string File, object Resource)> All { get; } = Load();

    public static IEnumerable<T> OfType<T>() => All.Select(entry => entry.Resource).OfType<T>();

    public static Kustomization Kustomization =>
        KubernetesYaml.Deserialize<Kustomization>(File.ReadAllText(Path.Combine(Directory, "kustomization.yaml")), strict: true);

    /// <summary>KServe's name for the predictor container that serves; other predictor containers are sidecars.</summary>
    public const string KServeContainerName = "kserve-container";

    /// <summary>Every container that runs the service, named by its owner.</summary>
    public static IEnumerable<(string Owner, V1Container Container, IList<V1Volume> Volumes)> Containers() =>
        OfType<V1Deployment>()
            .SelectMany(deployment => deployment.Spec.Template.Spec.Containers
                .Select(container => ($"Deployment {deployment.Name()}", container, deployment.Spec.Template.Spec.Volumes)))
            .Concat(OfType<InferenceService>()
                .SelectMany(service => service.Spec.Predictor.Containers
                    .Where(container => container.Name == KServeContainerName)
                    .Select(container => ($"InferenceService {service.Name()}", container, service.Spec.Predictor.Volumes))));

    /// <summary>The predictor containers beside kserve-container, named by their InferenceService.</summary>
    public static IEnumerable<(string Owner, V1Container Container, IList<V1Volume> Volumes)> Sidecars() =>
        OfType<InferenceService>()
            .SelectMany(service => service.Spec.Predictor.Containers
                .Where(container => container.Name != KServeContainerName)
                .Select(container => ($"InferenceService {service.Name()}", container, service.Spec.Predictor.Volumes)));

    /// <summary>The port the service listens on in a container: its ASPNETCORE_HTTP_PORTS, else the image's.</summary>
    public static int ListeningPort(V1Container container) =>
        int.Parse(
            container.Env.SingleOrDefault(variable => variable.Name == "ASPNETCORE_HTTP_PORTS")?.Value
                ?? DockerfileEnvironment("cpu")["ASPNETCORE_HTTP_PORTS"],
            System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The port the container's gRPC front door listens on, or null when its settings close it.</summary>
    public static int? GrpcPort(V1Container container) =>
        container.Env.SingleOrDefault(variable => variable.Name == "Grpc__Enabled")?.Value == "false"
            ? null
            : int.Parse(
                container.Env.SingleOrDefault(variable => variable.Name == "Grpc__Port")?.Value
                    ?? new Autoencoder.Api.OpenInference.Grpc.GrpcOptions().Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>ENV names and values the Dockerfile sets in the stage it is built for.</summary>
    public static IReadOnlyDictionary<string, string> DockerfileEnvironment(string stage)
    {
        var lines = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "Dockerfile")).Replace("\\\n", " ", StringComparison.Ordinal).Split('\n');
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var inStage = false;
        foreach (var line in lines)
        {
            if (line.StartsWith("FROM ", StringComparison.Ordinal))
            {
                inStage = line.EndsWith($" AS {stage}", StringComparison.Ordinal);
            }
            else if (inStage && line.StartsWith("ENV ", StringComparison.Ordinal))
            {
                foreach (Match pair in EnvPair().Matches(line[4..]))
                {
                    environment[pair.Groups[1].Value] = pair.Groups[2].Value;
                }
            }
        }

        return environment;
    }

    private static List<(string, object)> Load()
    {
        var loaded = new List<(string, object)>();
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var file = Path.GetRelativePath(Directory, path).Replace('\\', '/');
            if (file == "kustomization.yaml")
            {
                continue;
            }

            // strict: a misspelt or misplaced field fails here instead of being dropped by the cluster.
            foreach (var resource in KubernetesYaml.LoadAllFromString(File.ReadAllText(path), CustomKinds, strict: true))
            {
                loaded.Add((file, resource));
            }
        }

        return loaded;
    }

    [GeneratedRegex(@"([A-Za-z_][A-Za-z0-9_]*)=(\S+)")]
    private static partial Regex EnvPair();
}

/// <summary>kustomization.yaml, the fields used here.</summary>
public sealed class Kustomization
{
    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public IList<string> Resources { get; set; } = [];

    public IList<KustomizationImage> Images { get; set; } = [];
}

public sealed class KustomizationImage
{
    public string Name { get; set; } = "";

    public string? NewName { get; set; }

    public string? NewTag { get; set; }
}

/// <summary>KServe's InferenceService (serving.kserve.io/v1beta1), the fields used here.</summary>
public sealed class InferenceService : IKubernetesObject<V1ObjectMeta>, ISpec<InferenceServiceSpec>
{
    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public V1ObjectMeta Metadata { get; set; } = new();

    public InferenceServiceSpec Spec { get; set; } = new();
}

public sealed class InferenceServiceSpec
{
    public PredictorSpec Predictor { get; set; } = new();
}

/// <summary>A predictor: a pod spec's containers and volumes, and KServe's scaling fields.</summary>
public sealed class PredictorSpec
{
    public int? MinReplicas { get; set; }

    public int? MaxReplicas { get; set; }

    public string? ScaleMetric { get; set; }

    public int? ScaleTarget { get; set; }

    public IList<V1Container> Containers { get; set; } = [];

    public IList<V1Volume> Volumes { get; set; } = [];
}

/// <summary>KServe's TrainedModel (serving.kserve.io/v1alpha1): one model placed on a multi-model InferenceService.</summary>
public sealed class TrainedModel : IKubernetesObject<V1ObjectMeta>, ISpec<TrainedModelSpec>
{
    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public V1ObjectMeta Metadata { get; set; } = new();

    public TrainedModelSpec Spec { get; set; } = new();
}

public sealed class TrainedModelSpec
{
    /// <summary>The InferenceService, in the same namespace, whose pods load the model.</summary>
    public string InferenceService { get; set; } = "";

    public TrainedModelModel Model { get; set; } = new();
}

/// <summary>KServe's v1alpha1 ModelSpec: where the model is, its framework, and the memory reserved for it.</summary>
public sealed class TrainedModelModel
{
    public string StorageUri { get; set; } = "";

    public string Framework { get; set; } = "";

    public ResourceQuantity? Memory { get; set; }
}

/// <summary>The Prometheus Operator's ServiceMonitor (monitoring.coreos.com/v1), the fields used here.</summary>
public sealed class ServiceMonitor : IKubernetesObject<V1ObjectMeta>, ISpec<ServiceMonitorSpec>
{
    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public V1ObjectMeta Metadata { get; set; } = new();

    public ServiceMonitorSpec Spec { get; set; } = new();
}

public sealed class ServiceMonitorSpec
{
    public V1LabelSelector Selector { get; set; } = new();

    public IList<ServiceMonitorEndpoint> Endpoints { get; set; } = [];
}

public sealed class ServiceMonitorEndpoint
{
    public string Port { get; set; } = "";

    public string Path { get; set; } = "";

    public string? Interval { get; set; }
}
