using Gateway.Deploy.Tests.Support;
using k8s;
using k8s.Models;

namespace Gateway.Deploy.Tests.Kubernetes;

public sealed class RenderTests
{
    [Theory]
    [InlineData(Kustomize.Base)]
    [InlineData(Kustomize.LocalOverlay)]
    public void Renders_and_every_document_is_a_typed_kubernetes_object(string directory)
    {
        var rendering = Kustomize.Render(directory);

        Assert.NotEmpty(rendering.Objects);
        Assert.All(rendering.Objects, item => Assert.IsAssignableFrom<IKubernetesObject<V1ObjectMeta>>(item));
    }

    [Theory]
    [InlineData(Kustomize.Base)]
    [InlineData(Kustomize.LocalOverlay)]
    public void Everything_lives_in_the_gateway_namespace(string directory)
    {
        var rendering = Kustomize.Render(directory);

        Assert.Equal("gateway", Assert.Single(rendering.All<V1Namespace>()).Metadata.Name);
        Assert.All(rendering.Objects.OfType<IKubernetesObject<V1ObjectMeta>>().Where(item => item is not V1Namespace),
            item => Assert.Equal("gateway", item.Metadata.NamespaceProperty));
    }

    [Theory]
    [MemberData(nameof(ServiceContract.All), MemberType = typeof(ServiceContract))]
    public void Each_service_has_a_deployment_and_a_service_with_its_ports(string name)
    {
        var rendering = Kustomize.Render(Kustomize.Base);
        var contract = ServiceContract.Of(name);

        var deployment = rendering.Deployment(name);
        var service = rendering.Single<V1Service>(name);
        Assert.Equal(deployment.Spec.Selector.MatchLabels, service.Spec.Selector);
        Assert.All(deployment.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, deployment.Spec.Template.Metadata.Labels[label.Key]));

        var expected = contract.KestrelEndpoints.Select(endpoint => (endpoint, Port(endpoint))).OrderBy(port => port.endpoint).ToList();
        Assert.Equal(expected, service.Spec.Ports.Select(port => (port.Name, port.Port)).OrderBy(port => port.Name).ToList());
        Assert.Equal(expected, rendering.Container(name).Ports.Select(port => (port.Name, port.ContainerPort)).OrderBy(port => port.Name).ToList());
        Assert.All(service.Spec.Ports, port => Assert.Equal(port.Name, port.TargetPort.Value));
        if (contract.KestrelEndpoints.Contains("grpc"))
        {
            Assert.Equal("kubernetes.io/h2c", service.Spec.Ports.Single(port => port.Name == "grpc").AppProtocol);
        }
    }

    [Fact]
    public void Images_are_named_gateway_service()
    {
        var rendering = Kustomize.Render(Kustomize.Base);

        Assert.All(ServiceContract.Names, name => Assert.Equal($"gateway/{name}:latest", rendering.Container(name).Image));
    }

    [Fact]
    public void The_edge_scales_horizontally_and_keeps_a_pod_through_disruptions()
    {
        var rendering = Kustomize.Render(Kustomize.Base);
        var edge = rendering.Deployment("edge");

        var hpa = rendering.Single<V2HorizontalPodAutoscaler>("edge");
        Assert.Equal(("apps/v1", "Deployment", "edge"), (hpa.Spec.ScaleTargetRef.ApiVersion, hpa.Spec.ScaleTargetRef.Kind, hpa.Spec.ScaleTargetRef.Name));
        Assert.True(hpa.Spec.MinReplicas >= 2 && hpa.Spec.MaxReplicas > hpa.Spec.MinReplicas);
        Assert.NotNull(rendering.Container("edge").Resources.Requests["cpu"]);

        var pdb = rendering.Single<V1PodDisruptionBudget>("edge");
        Assert.Equal(edge.Spec.Selector.MatchLabels, pdb.Spec.Selector.MatchLabels);
        Assert.True(int.Parse(pdb.Spec.MinAvailable.Value, System.Globalization.CultureInfo.InvariantCulture) < hpa.Spec.MinReplicas);

        // Only the Edge is autoscaled or protected; the others are sized by replicas.
        Assert.Single(rendering.All<V2HorizontalPodAutoscaler>());
        Assert.Single(rendering.All<V1PodDisruptionBudget>());
    }

    internal static int Port(string endpoint) => endpoint switch
    {
        "http" => 8080,
        "grpc" => 8081,
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, "unknown Kestrel endpoint"),
    };
}
