using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using Autoencoder.Api.Images;
using Autoencoder.Api.Inference;
using Autoencoder.Api.Limits;
using Autoencoder.Api.OpenInference.Grpc;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Autoencoder.Api.Tests.Deployment;

/// <summary>
/// The manifests in deploy/kubernetes against the application: every probe, port, environment variable and name
/// they rely on must be one the service really serves, listens on or reads.
/// </summary>
public sealed class KubernetesManifestTests(AutoencoderApiFactory api) : IClassFixture<AutoencoderApiFactory>
{
    /// <summary>The configuration sections the service binds, and the options class each is bound to.</summary>
    private static readonly Dictionary<string, Type> OptionsBySection = new(StringComparer.OrdinalIgnoreCase)
    {
        [ModelsOptions.Section] = typeof(ModelsOptions),
        [InferenceOptions.Section] = typeof(InferenceOptions),
        [BatchingOptions.Section] = typeof(BatchingOptions),
        [LimitsOptions.Section] = typeof(LimitsOptions),
        ["Images"] = typeof(ImageLimits),
        ["HostOptions"] = typeof(HostOptions),
        [GrpcOptions.Section] = typeof(GrpcOptions),
    };

    /// <summary>Variables read by something other than the service's configuration, and who reads them.</summary>
    private static readonly Dictionary<string, string> OtherVariables = new(StringComparer.Ordinal)
    {
        ["ASPNETCORE_HTTP_PORTS"] = "ASP.NET Core: the ports Kestrel listens on",
        ["ORT_DISABLE_TELEMETRY"] = "ONNX Runtime",
        ["PROTOCOL"] = "KServe: the custom predictor's protocol",
        ["MULTI_MODEL_SERVER"] = "KServe: a custom predictor that takes TrainedModels",
        ["APP_UID"] = "the Dockerfile's USER",
        ["DOTNET_RUNNING_IN_CONTAINER"] = ".NET",
    };

    private const int ImagePort = 8080;

    /// <summary>Where KServe's model agent puts TrainedModels, mounted into kserve-container.</summary>
    private const string KServeModelDirectory = "/mnt/models";

    [Fact]
    public void EveryManifestParsesWithTheKubernetesModels()
    {
        var kinds = Manifests.All.Select(entry => $"{entry.File}: {entry.Resource.GetType().Name}").ToList();

        Assert.Equal(
            [
                "deployment.yaml: V1Deployment",
                "horizontalpodautoscaler.yaml: V2HorizontalPodAutoscaler",
                "kserve/inferenceservice.yaml: InferenceService",
                "kserve/multi-model.yaml: V1ConfigMap",
                "kserve/multi-model.yaml: InferenceService",
                "kserve/trainedmodel.yaml: TrainedModel",
                "poddisruptionbudget.yaml: V1PodDisruptionBudget",
                "service.yaml: V1Service",
                "servicemonitor.yaml: ServiceMonitor",
            ],
            kinds);
    }

    [Fact]
    public void KustomizationAppliesEveryManifestThatNeedsNoOperator()
    {
        var kustomization = Manifests.Kustomization;
        var plain = Manifests.All.Select(entry => entry.File).Distinct()
            .Where(file => file != "servicemonitor.yaml" && !file.StartsWith("kserve/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

        Assert.Equal(plain, kustomization.Resources.Order(StringComparer.Ordinal));
        var image = Assert.Single(kustomization.Images);
        Assert.All(Manifests.Containers(), entry => Assert.Equal($"{image.Name}:{image.NewTag}", entry.Container.Image));
    }

    [Fact]
    public async Task EveryProbeAsksForAPathThatAnswers200OnTheImagesPort()
    {
        using var client = api.CreateClient();
        var probes = Manifests.Containers()
            .SelectMany(entry => new[] { entry.Container.StartupProbe, entry.Container.ReadinessProbe, entry.Container.LivenessProbe }
                .Where(probe => probe is not null)
                .Select(probe => (entry.Owner, entry.Container, Probe: probe!)))
            .ToList();

        Assert.Equal(7, probes.Count);
        foreach (var (owner, container, probe) in probes)
        {
            Assert.Equal(Manifests.ListeningPort(container), ResolvePort(container, probe.HttpGet.Port));
            using var response = await client.GetAsync(probe.HttpGet.Path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{owner}: {probe.HttpGet.Path} answered {response.StatusCode}");
        }
    }

    [Fact]
    public void ContainersDeclareThePortTheServiceListensOn()
    {
        Assert.Equal(ImagePort.ToString(System.Globalization.CultureInfo.InvariantCulture), Manifests.DockerfileEnvironment("cpu")["ASPNETCORE_HTTP_PORTS"]);
        Assert.All(Manifests.Containers(), entry =>
        {
            // Its HTTP port, and its gRPC port unless the container closes it.
            int?[] expected = [Manifests.ListeningPort(entry.Container), Manifests.GrpcPort(entry.Container)];
            Assert.Equal(expected.OfType<int>().Order(), entry.Container.Ports.Select(port => port.ContainerPort).Order());
        });
    }

    [Fact]
    public void EnvironmentVariablesAreSettingsTheServiceBindsOrKnownToTheirReaders()
    {
        var names = Manifests.Containers().SelectMany(entry => entry.Container.Env.Select(variable => variable.Name))
            .Concat(Manifests.DockerfileEnvironment("cpu").Keys)
            .Concat(Manifests.DockerfileEnvironment("gpu").Keys)
            .Distinct();

        Assert.All(names, name =>
        {
            if (OtherVariables.ContainsKey(name))
            {
                return;
            }

            var path = name.Split("__");
            Assert.True(path.Length == 2, $"{name} is neither a setting (Section__Key) nor a variable known to be read");
            Assert.True(OptionsBySection.TryGetValue(path[0], out var options), $"{name}: the service binds no section '{path[0]}'");
            Assert.True(
                options.GetProperty(path[1], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is not null,
                $"{name}: {options.Name} has no setting '{path[1]}'");
        });
    }

    [Fact]
    public async Task TheServiceStartsWithEachContainersSettingsAndTakesTheirValues()
    {
        foreach (var (owner, container, _) in Manifests.Containers())
        {
            var settings = container.Env.Where(variable => variable.Name.Contains("__", StringComparison.Ordinal))
                .ToDictionary(variable => variable.Name.Replace("__", ":", StringComparison.Ordinal), variable => (string?)variable.Value);
            Assert.NotEmpty(settings);

            // What the cluster supplies, stood in for: a Secret's value, and the agent's model folder (empty at start).
            var standIns = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var variable in container.Env.Where(variable => variable.ValueFrom?.SecretKeyRef is not null))
            {
                standIns[variable.Name.Replace("__", ":", StringComparison.Ordinal)] = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
            }

            using var modelFolder = new TemporaryDirectory();
            if (settings.TryGetValue("Models:Directory", out var directory))
            {
                Assert.True(directory == KServeModelDirectory, $"{owner}: the models are in the image; only KServe's agent folder may replace them");
                standIns["Models:Directory"] = modelFolder.Path;
            }

            var started = new Dictionary<string, string?>(settings, StringComparer.Ordinal);
            foreach (var (key, value) in standIns)
            {
                started[key] = value;
            }

            await using var factory = new ConfiguredApiFactory(started);
            using var client = factory.CreateClient();
            using var ready = await client.GetAsync("/health/ready");
            Assert.True(ready.StatusCode == HttpStatusCode.OK, $"{owner}: /health/ready answered {ready.StatusCode} with its settings");

            foreach (var (key, value) in settings.Where(setting => !standIns.ContainsKey(setting.Key)))
            {
                var path = key.Split(':');
                var optionsType = OptionsBySection[path[0]];
                var accessor = typeof(IOptions<>).MakeGenericType(optionsType);
                var options = accessor.GetProperty(nameof(IOptions<object>.Value))!.GetValue(factory.Services.GetRequiredService(accessor));
                var bound = optionsType.GetProperty(path[1], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)!.GetValue(options);
                Assert.Equal(value, Convert.ToString(bound, System.Globalization.CultureInfo.InvariantCulture), StringComparer.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public async Task PrometheusScrapesThePathThatServesTheMetrics()
    {
        using var client = api.CreateClient();
        var service = Assert.Single(Manifests.OfType<V1Service>());
        var monitor = Assert.Single(Manifests.OfType<ServiceMonitor>());
        var deployment = Assert.Single(Manifests.OfType<V1Deployment>());
        var annotations = deployment.Spec.Template.Metadata.Annotations;

        var endpoint = Assert.Single(monitor.Spec.Endpoints);
        Assert.Contains(service.Spec.Ports, port => port.Name == endpoint.Port);
        Assert.Equal(monitor.Spec.Selector.MatchLabels, service.Metadata.Labels);
        Assert.Equal(endpoint.Path, annotations["prometheus.io/path"]);
        Assert.Equal(ImagePort.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);

        using var response = await client.GetAsync(endpoint.Path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("autoencoder_model_info{", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void ServiceAutoscalerAndDisruptionBudgetAllFindTheDeploymentsPods()
    {
        var deployment = Assert.Single(Manifests.OfType<V1Deployment>());
        var podLabels = deployment.Spec.Template.Metadata.Labels;
        var service = Assert.Single(Manifests.OfType<V1Service>());
        var autoscaler = Assert.Single(Manifests.OfType<V2HorizontalPodAutoscaler>());
        var budget = Assert.Single(Manifests.OfType<V1PodDisruptionBudget>());

        Assert.All(service.Spec.Selector, label => Assert.Equal(label.Value, podLabels[label.Key]));
        Assert.All(budget.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, podLabels[label.Key]));
        Assert.All(deployment.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, podLabels[label.Key]));
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        Assert.Equal([ImagePort, Manifests.GrpcPort(container)!.Value], service.Spec.Ports.Select(port => ResolvePort(container, port.TargetPort)));

        Assert.Equal((deployment.Kind, deployment.Name()), (autoscaler.Spec.ScaleTargetRef.Kind, autoscaler.Spec.ScaleTargetRef.Name));
        var cpu = Assert.Single(autoscaler.Spec.Metrics);
        Assert.Equal("cpu", cpu.Resource.Name);
        Assert.True(
            autoscaler.Spec.MinReplicas > int.Parse(budget.Spec.MinAvailable.Value, System.Globalization.CultureInfo.InvariantCulture),
            "with no more replicas than the disruption budget keeps, a node drain could evict none");
        Assert.NotNull(container.Resources.Requests["cpu"]);
    }

    [Fact]
    public void PodsRunAsNonRootOnAReadOnlyRootWithAMemoryBackedTmp()
    {
        foreach (var (owner, container, volumes) in Manifests.Containers().Concat(Manifests.Sidecars()))
        {
            Assert.False(container.SecurityContext.AllowPrivilegeEscalation, owner);
            Assert.True(container.SecurityContext.ReadOnlyRootFilesystem, owner);
            Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
            var tmp = Assert.Single(container.VolumeMounts, mount => mount.MountPath == "/tmp");
            var volume = Assert.Single(volumes, volume => volume.Name == tmp.Name);
            Assert.Equal("Memory", volume.EmptyDir.Medium);
            Assert.NotNull(container.Resources.Limits["memory"]);
        }

        var pod = Assert.Single(Manifests.OfType<V1Deployment>()).Spec.Template.Spec;
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.NotEqual(0, pod.SecurityContext.RunAsUser);
    }

    [Fact]
    public void GracePeriodCoversThePreStopPauseAndTheShutdownTimeout()
    {
        var pod = Assert.Single(Manifests.OfType<V1Deployment>()).Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);
        var preStop = container.Lifecycle.PreStop.Exec.Command;
        Assert.Equal("sleep", preStop[0]);
        var shutdownTimeout = TimeSpan.Parse(
            container.Env.Single(variable => variable.Name == "HostOptions__ShutdownTimeout").Value, System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(
            pod.TerminationGracePeriodSeconds > int.Parse(preStop[1], System.Globalization.CultureInfo.InvariantCulture) + shutdownTimeout.TotalSeconds,
            "Kubernetes would kill the pod before requests in flight finish");
    }

    private static int ResolvePort(V1Container container, IntOrString port) =>
        int.TryParse(port.Value, out var number)
            ? number
            : container.Ports.Single(containerPort => containerPort.Name == port.Value).ContainerPort;
}
