using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using k8s;
using k8s.Models;

namespace Gateway.Deploy.Tests.Support;

/// <summary>Renders a kustomization with <c>kubectl kustomize</c> (offline) and loads every document as its typed
/// Kubernetes object. Loading is strict: a field the type does not have (a typo, a wrong indentation) fails.</summary>
internal static class Kustomize
{
    public const string Base = "deploy/kubernetes/base";
    public const string LocalOverlay = "deploy/kubernetes/overlays/local";

    private static readonly ConcurrentDictionary<string, Lazy<Rendering>> Renderings = new(StringComparer.Ordinal);

    /// <summary>The Dapr custom resources, typed by the classes in <see cref="Dapr"/>.</summary>
    private static readonly Dictionary<string, Type> DaprTypes = new(StringComparer.Ordinal)
    {
        ["dapr.io/v1alpha1/Component"] = typeof(DaprComponent),
        ["dapr.io/v2alpha1/Subscription"] = typeof(DaprSubscription),
        ["dapr.io/v1alpha1/Resiliency"] = typeof(DaprResiliency),
    };

    public static Rendering Render(string directory) =>
        Renderings.GetOrAdd(directory, dir => new Lazy<Rendering>(() => RenderNow(dir))).Value;

    /// <summary>Loads the documents of one YAML file (not rendered by kustomize).</summary>
    public static IReadOnlyList<object> LoadFile(params string[] parts) =>
        KubernetesYaml.LoadAllFromString(Repository.Read(parts), DaprTypes, strict: true);

    private static Rendering RenderNow(string directory)
    {
        var start = new ProcessStartInfo("kubectl")
        {
            ArgumentList = { "kustomize", Repository.PathOf(directory) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException("kubectl is required to render the manifests (CI installs it): " + ex.Message, ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(60_000), $"kubectl kustomize {directory} did not finish in 60 s");
            Assert.True(process.ExitCode == 0, $"kubectl kustomize {directory} failed: {stderr.Result}");
            var yaml = stdout.Result;
            return new Rendering(yaml, KubernetesYaml.LoadAllFromString(yaml, DaprTypes, strict: true));
        }
    }
}

internal sealed record Rendering(string Yaml, IReadOnlyList<object> Objects)
{
    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T Single<T>(string name) where T : IMetadata<V1ObjectMeta> =>
        Assert.Single(Objects.OfType<T>(), item => item.Metadata.Name == name);

    public IEnumerable<V1Deployment> Deployments => All<V1Deployment>();

    public V1Deployment Deployment(string name) => Single<V1Deployment>(name);

    public V1Container Container(string name) => Assert.Single(Deployment(name).Spec.Template.Spec.Containers);

    public IReadOnlyDictionary<string, V1EnvVar> Env(string name) =>
        (Container(name).Env ?? []).ToDictionary(env => env.Name, StringComparer.Ordinal);

    public static string? Lookup(IDictionary<string, string>? map, string key) =>
        map is not null && map.TryGetValue(key, out var value) ? value : null;

    /// <summary>The data keys of a Secret, from data or stringData.</summary>
    public IReadOnlySet<string> SecretKeys(string name)
    {
        var secret = Single<V1Secret>(name);
        return (secret.Data?.Keys ?? []).Concat(secret.StringData?.Keys ?? []).ToHashSet(StringComparer.Ordinal);
    }
}
