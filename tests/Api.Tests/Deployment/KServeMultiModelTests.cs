using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Autoencoder.Api.Tests.Deployment;

/// <summary>
/// deploy/kubernetes/kserve's multi-model example against KServe's model agent as it is: for each TrainedModel the
/// agent downloads storageUri into /mnt/models/NAME, then sends POST http://localhost:8080/v2/repository/models/NAME/load
/// (unload: it deletes the folder first) with a "{}" body and no Authorization header, and counts only 200 as done.
/// </summary>
public sealed partial class KServeMultiModelTests
{
    /// <summary>The address the agent's puller calls, fixed in its code.</summary>
    private const int AgentTargetPort = 8080;

    private const string ModelDirectory = "/mnt/models";

    /// <summary>The schemes KServe's agent downloads from (pkg/agent/storage: s3, gs, https, http, oci).</summary>
    private static readonly string[] AgentStorageSchemes = ["s3://", "gs://", "https://", "http://", "oci://"];

    [Fact]
    public void TheTrainedModelTargetsAnInferenceServiceInItsFolderThatCanHoldIt()
    {
        var (file, resource) = Assert.Single(Manifests.All, entry => entry.Resource is TrainedModel);
        var model = (TrainedModel)resource;

        Assert.Equal(("serving.kserve.io/v1alpha1", "TrainedModel"), (model.ApiVersion, model.Kind));
        Assert.Matches(TrainedModelName(), model.Name());
        var (serviceFile, service) = TargetOf(model);
        Assert.Equal(Path.GetDirectoryName(file), Path.GetDirectoryName(serviceFile));

        Assert.Contains(AgentStorageSchemes, scheme => model.Spec.Model.StorageUri.StartsWith(scheme, StringComparison.Ordinal));
        Assert.False(string.IsNullOrWhiteSpace(model.Spec.Model.Framework));
        Assert.NotNull(model.Spec.Model.Memory);

        // KServe places TrainedModels on a server only while their memory, summed, fits in kserve-container's limit.
        var placed = Manifests.OfType<TrainedModel>().Where(other => other.Spec.InferenceService == service.Name())
            .Sum(other => other.Spec.Model.Memory!.ToDecimal());
        Assert.True(placed <= ServingContainer(service).Resources.Limits["memory"].ToDecimal(), "the TrainedModels' memory exceeds the server's limit");

        // The example's storageUri is meant to hold a copy of the bundled model of the same name (docs/deploy.md).
        Assert.True(File.Exists(Path.Combine(TestData.ModelsDirectory, model.Name(), "model.json")), $"models/{model.Name()} is not a bundled model");
    }

    [Fact]
    public void TheTargetedInferenceServiceIsAMultiModelServerInExplicitModeWithTheKeyFromASecret()
    {
        var (_, service) = TargetOf(Assert.Single(Manifests.OfType<TrainedModel>()));
        var predictor = service.Spec.Predictor;
        var container = ServingContainer(service);

        // KServe reads MULTI_MODEL_SERVER from the first container and only then injects the agent.
        Assert.Same(container, predictor.Containers[0]);
        Assert.Equal("true", Value(container, "MULTI_MODEL_SERVER"));
        Assert.DoesNotContain(container.Env, variable => variable.Name == "STORAGE_URI");
        Assert.Equal(ModelDirectory, Value(container, "Models__Directory"));
        Assert.Equal("explicit", Value(container, "Models__Control"));

        var key = Assert.Single(container.Env, variable => variable.Name == "Models__ControlKey");
        Assert.Null(key.Value);
        Assert.False(string.IsNullOrEmpty(key.ValueFrom.SecretKeyRef.Name));
        Assert.False(string.IsNullOrEmpty(key.ValueFrom.SecretKeyRef.Key));

        // The agent's injector mounts its emptyDir at /mnt/models; a mount of our own there turns multi-model serving off.
        Assert.All(predictor.Containers, each => Assert.DoesNotContain(each.VolumeMounts ?? [], mount => mount.MountPath == ModelDirectory));
        Assert.NotEqual(AgentTargetPort, Manifests.ListeningPort(container));
    }

    [Fact]
    public void TheAgentsAddressReachesOnlyTheRepositoryRoutesWithTheKeyAndOnlyFromInsideThePod()
    {
        var (_, service) = TargetOf(Assert.Single(Manifests.OfType<TrainedModel>()));
        var predictor = service.Spec.Predictor;
        var serviceKey = Assert.Single(ServingContainer(service).Env, variable => variable.Name == "Models__ControlKey").ValueFrom.SecretKeyRef;
        var sidecar = Assert.Single(predictor.Containers, container => container.Name != Manifests.KServeContainerName);

        // No port for Knative or a Service to send traffic to: the pod's own loopback is its only way in.
        Assert.Empty(sidecar.Ports ?? []);
        var keyVariable = Assert.Single(sidecar.Env, variable => variable.ValueFrom?.SecretKeyRef is not null);
        Assert.Equal((serviceKey.Name, serviceKey.Key), (keyVariable.ValueFrom.SecretKeyRef.Name, keyVariable.ValueFrom.SecretKeyRef.Key));

        // nginx's image renders /etc/nginx/templates/*.template into /etc/nginx/conf.d, which must be writable (and in memory: it holds the key).
        var template = Assert.Single(sidecar.VolumeMounts, mount => mount.MountPath == "/etc/nginx/templates");
        var configMapName = Assert.Single(predictor.Volumes, volume => volume.Name == template.Name).ConfigMap.Name;
        var rendered = Assert.Single(sidecar.VolumeMounts, mount => mount.MountPath == "/etc/nginx/conf.d");
        Assert.Equal("Memory", Assert.Single(predictor.Volumes, volume => volume.Name == rendered.Name).EmptyDir.Medium);
        var configMap = Assert.Single(Manifests.OfType<V1ConfigMap>(), map => map.Name() == configMapName);
        var (templateFile, configuration) = Assert.Single(configMap.Data);
        Assert.EndsWith(".template", templateFile, StringComparison.Ordinal);

        Assert.Equal([$"127.0.0.1:{AgentTargetPort}"], Directive().Matches(configuration).Where(match => match.Groups[1].Value == "listen").Select(match => match.Groups[2].Value));
        Assert.Equal(
            [$"http://127.0.0.1:{Manifests.ListeningPort(ServingContainer(service))}"],
            Directive().Matches(configuration).Where(match => match.Groups[1].Value == "proxy_pass").Select(match => match.Groups[2].Value));
        Assert.Contains($"proxy_set_header Authorization \"Bearer ${{{keyVariable.Name}}}\";", configuration, StringComparison.Ordinal);

        var forwarded = new Regex(Assert.Single(ProxiedLocation().Matches(configuration)).Groups[1].Value);
        Assert.Matches(forwarded, "/v2/repository/models/fashion/load");
        Assert.Matches(forwarded, "/v2/repository/models/fashion/unload");
        Assert.DoesNotMatch(forwarded, "/v2/repository/index");
        Assert.DoesNotMatch(forwarded, "/v2/models/fashion-encoder/infer");
    }

    [Fact]
    public async Task TheServiceAnswersTheAgentsCallsTheWayKServeMakesThem()
    {
        var model = Assert.Single(Manifests.OfType<TrainedModel>());
        var (_, service) = TargetOf(model);
        var container = ServingContainer(service);
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        using var agentFolder = new TemporaryDirectory();
        var settings = container.Env.Where(variable => variable.Name.Contains("__", StringComparison.Ordinal))
            .ToDictionary(variable => variable.Name.Replace("__", ":", StringComparison.Ordinal), variable => (string?)variable.Value);
        settings["Models:Directory"] = agentFolder.Path;
        settings["Models:ControlKey"] = key;

        await using var factory = new ConfiguredApiFactory(settings);
        using var client = factory.CreateClient();
        using (var empty = await client.GetAsync("/v2/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        }

        // What the agent's downloader leaves: the files under storageUri, and its SUCCESS.<sha256> marker.
        var folder = Directory.CreateDirectory(Path.Combine(agentFolder.Path, model.Name())).FullName;
        foreach (var name in new[] { "encoder.onnx", "decoder.onnx", "model.json" })
        {
            File.Copy(Path.Combine(TestData.ModelsDirectory, model.Name(), name), Path.Combine(folder, name));
        }

        await File.WriteAllTextAsync(Path.Combine(folder, "SUCCESS." + new string('0', 64)), "{}");

        // The agent alone, without the sidecar: refused, which is why the pod has one.
        using (var bare = await client.PostAsync($"/v2/repository/models/{model.Name()}/load", AgentBody()))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, bare.StatusCode);
        }

        using (var load = await AsAgentThroughTheSidecar(client, key, $"/v2/repository/models/{model.Name()}/load"))
        {
            Assert.Equal(HttpStatusCode.OK, load.StatusCode);
        }

        using (var ready = await client.GetAsync($"/v2/models/{model.Name()}-encoder/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        // The agent removes the model's folder before it asks for the unload.
        Directory.Delete(folder, recursive: true);
        using (var unload = await AsAgentThroughTheSidecar(client, key, $"/v2/repository/models/{model.Name()}/unload"))
        {
            Assert.Equal(HttpStatusCode.OK, unload.StatusCode);
        }

        using var gone = await client.GetAsync($"/v2/models/{model.Name()}-encoder/ready");
        Assert.NotEqual(HttpStatusCode.OK, gone.StatusCode);
    }

    private static StringContent AgentBody() => new("{}", Encoding.UTF8, "application/json");

    /// <summary>The agent's request as the sidecar forwards it: the same, with the key added.</summary>
    private static async Task<HttpResponseMessage> AsAgentThroughTheSidecar(HttpClient client, string key, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = AgentBody() };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await client.SendAsync(request);
    }

    private static (string File, InferenceService Service) TargetOf(TrainedModel model)
    {
        var target = Assert.Single(Manifests.All, entry => entry.Resource is InferenceService service && service.Name() == model.Spec.InferenceService);
        return (target.File, (InferenceService)target.Resource);
    }

    private static V1Container ServingContainer(InferenceService service) =>
        Assert.Single(service.Spec.Predictor.Containers, container => container.Name == Manifests.KServeContainerName);

    private static string? Value(V1Container container, string name) => Assert.Single(container.Env, variable => variable.Name == name).Value;

    /// <summary>KServe's validation of a TrainedModel's name (pkg/apis/serving/v1alpha1/trainedmodel_webhook.go).</summary>
    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex TrainedModelName();

    [GeneratedRegex(@"^\s*(\w+)\s+([^;\s]+)[^;\n]*;", RegexOptions.Multiline)]
    private static partial Regex Directive();

    [GeneratedRegex(@"location\s+~\s+(\S+)\s*\{.*?proxy_pass", RegexOptions.Singleline)]
    private static partial Regex ProxiedLocation();
}
