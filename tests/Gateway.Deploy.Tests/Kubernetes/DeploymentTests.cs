using Gateway.Deploy.Tests.Support;
using k8s.Models;

namespace Gateway.Deploy.Tests.Kubernetes;

public sealed class DeploymentTests
{
    private static Rendering Base => Kustomize.Render(Kustomize.Base);

    [Theory]
    [MemberData(nameof(ServiceContract.All), MemberType = typeof(ServiceContract))]
    public void Every_variable_set_is_one_the_service_reads(string name)
    {
        var readable = ServiceContract.Of(name).ReadableKeys;

        Assert.All(SetKeys(name), key => Assert.True(readable.Contains(key), $"{name} does not read {key}"));
    }

    [Theory]
    [MemberData(nameof(ServiceContract.All), MemberType = typeof(ServiceContract))]
    public void Every_variable_the_service_needs_is_set(string name)
    {
        var set = SetKeys(name);

        Assert.All(ServiceContract.Of(name).RequiredKeys, key => Assert.True(set.Contains(key), $"{name} needs {key}"));
    }

    [Theory]
    [MemberData(nameof(ServiceContract.All), MemberType = typeof(ServiceContract))]
    public void Service_discovery_points_at_the_grpc_port_of_each_peer(string name)
    {
        var env = Base.Env(name);

        foreach (var peer in ServiceContract.Of(name).GrpcClients)
        {
            Assert.Equal($"http://{peer}:8081", env[ServiceContract.DiscoveryKey(peer)].Value);
            Assert.Contains(Base.Single<V1Service>(peer).Spec.Ports, port => port is { Name: "grpc", Port: 8081 });
            Assert.Contains("grpc", ServiceContract.Of(peer).KestrelEndpoints);
        }
    }

    [Theory]
    [MemberData(nameof(ServiceContract.All), MemberType = typeof(ServiceContract))]
    public void Kestrel_listens_on_the_container_ports_with_grpc_on_http2(string name)
    {
        var env = Base.Env(name);

        foreach (var endpoint in ServiceContract.Of(name).KestrelEndpoints)
        {
            Assert.Equal($"http://+:{RenderTests.Port(endpoint)}", env[$"Kestrel__Endpoints__{endpoint}__Url"].Value);
        }

        if (ServiceContract.Of(name).KestrelEndpoints.Contains("grpc"))
        {
            Assert.Equal("Http2", env["Kestrel__Endpoints__grpc__Protocols"].Value);
        }
    }

    [Theory]
    [MemberData(nameof(ServiceContract.All), MemberType = typeof(ServiceContract))]
    public void Probes_hit_health_and_alive_on_the_http_port(string name)
    {
        var container = Base.Container(name);

        Assert.Equal(("/health", "http"), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
        Assert.Equal(("/alive", "http"), (container.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Port.Value));
    }

    [Theory]
    [MemberData(nameof(ServiceContract.All), MemberType = typeof(ServiceContract))]
    public void Runs_non_root_read_only_without_capabilities_and_with_resource_limits(string name)
    {
        AssertHardened(Base.Deployment(name));
        var container = Base.Container(name);
        Assert.Contains(container.VolumeMounts, mount => mount.MountPath == "/tmp");
        Assert.Equal(1654, Base.Deployment(name).Spec.Template.Spec.SecurityContext.RunAsUser);
    }

    [Theory]
    [InlineData(Kustomize.Base)]
    [InlineData(Kustomize.LocalOverlay)]
    public void Every_deployment_is_hardened(string directory) =>
        Assert.All(Kustomize.Render(directory).Deployments, AssertHardened);

    [Fact]
    public void Secrets_the_deployments_read_are_in_the_secret_template()
    {
        var template = Kustomize.LoadFile("deploy", "kubernetes", "secrets.template.yaml").OfType<V1Secret>()
            .ToDictionary(secret => secret.Metadata.Name, secret => secret.StringData.Keys.ToHashSet(StringComparer.Ordinal));

        Assert.All(SecretRefs(Base), reference =>
            Assert.True(template.TryGetValue(reference.Name, out var keys) && keys.Contains(reference.Key),
                $"{reference.Name}/{reference.Key} is not in secrets.template.yaml"));
        Assert.All(template.Values.SelectMany(keys => keys), key =>
            Assert.Contains(SecretRefs(Base), reference => reference.Key == key));
    }

    internal static IReadOnlyList<V1SecretKeySelector> SecretRefs(Rendering rendering) =>
        rendering.Deployments.SelectMany(deployment => deployment.Spec.Template.Spec.Containers)
            .SelectMany(container => container.Env ?? [])
            .Select(env => env.ValueFrom?.SecretKeyRef)
            .OfType<V1SecretKeySelector>()
            .Concat(rendering.All<DaprComponent>().SelectMany(component => component.Spec.Metadata)
                .Where(item => item.SecretKeyRef is not null)
                .Select(item => new V1SecretKeySelector { Key = item.SecretKeyRef!.Key, Name = item.SecretKeyRef.Name }))
            .ToList();

    /// <summary>The variable names a Deployment sets, the ConfigMaps it loads with envFrom included.</summary>
    private static HashSet<string> SetKeys(string name)
    {
        var container = Base.Container(name);
        var keys = (container.Env ?? []).Select(env => env.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            Assert.Null(source.SecretRef); // secrets are mapped key by key, so a service gets only its own
            keys.UnionWith(Base.Single<V1ConfigMap>(source.ConfigMapRef.Name).Data.Keys);
        }

        return keys;
    }

    private static void AssertHardened(V1Deployment deployment)
    {
        var pod = deployment.Spec.Template.Spec;
        Assert.False(pod.AutomountServiceAccountToken ?? true, $"{deployment.Metadata.Name}: service account token mounted");
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.All(pod.Containers, container =>
        {
            var security = container.SecurityContext;
            Assert.True(security.RunAsNonRoot ?? pod.SecurityContext.RunAsNonRoot, $"{container.Name}: may run as root");
            Assert.True(pod.SecurityContext.RunAsUser is > 0, $"{container.Name}: no non-root uid");
            Assert.True(security.ReadOnlyRootFilesystem, $"{container.Name}: writable root filesystem");
            Assert.False(security.AllowPrivilegeEscalation ?? true, $"{container.Name}: privilege escalation allowed");
            Assert.Equal(["ALL"], security.Capabilities.Drop);
            Assert.Null(security.Capabilities.Add);
            Assert.All(new[] { "cpu", "memory" }, resource =>
            {
                Assert.True(container.Resources.Requests.ContainsKey(resource), $"{container.Name}: no {resource} request");
                Assert.True(container.Resources.Limits.ContainsKey(resource), $"{container.Name}: no {resource} limit");
            });
            Assert.All(container.VolumeMounts ?? [], mount =>
                Assert.Contains(pod.Volumes, volume => volume.Name == mount.Name && (volume.EmptyDir is not null || volume.ConfigMap is not null)));
        });
    }
}
