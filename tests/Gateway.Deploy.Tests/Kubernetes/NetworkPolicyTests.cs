using Gateway.Deploy.Tests.Support;
using k8s.Models;

namespace Gateway.Deploy.Tests.Kubernetes;

public sealed class NetworkPolicyTests
{
    private static Rendering Base => Kustomize.Render(Kustomize.Base);

    [Fact]
    public void Ingress_is_denied_unless_a_policy_allows_it()
    {
        var deny = Base.Single<V1NetworkPolicy>("default-deny-ingress");

        Assert.Empty(deny.Spec.PodSelector.MatchLabels ?? new Dictionary<string, string>());
        Assert.Equal(["Ingress"], deny.Spec.PolicyTypes);
        Assert.Null(deny.Spec.Ingress);
    }

    [Fact]
    public void Only_the_edge_accepts_traffic_from_anywhere_and_only_on_http()
    {
        var open = Base.All<V1NetworkPolicy>()
            .Where(policy => policy.Spec.Ingress?.Any(rule => rule.FromProperty is null) == true).ToList();

        var edge = Assert.Single(open);
        Assert.Equal("edge", edge.Spec.PodSelector.MatchLabels["app.kubernetes.io/name"]);
        Assert.Equal(["http"], edge.Spec.Ingress.SelectMany(rule => rule.Ports).Select(port => port.Port.Value));
    }

    [Theory]
    [InlineData("keyvault")]
    [InlineData("config")]
    [InlineData("cache")]
    [InlineData("analytics")]
    public void An_internal_service_accepts_grpc_only_from_the_services_that_call_it(string name)
    {
        var policy = Assert.Single(Base.All<V1NetworkPolicy>(), policy =>
            Rendering.Lookup(policy.Spec.PodSelector.MatchLabels, "app.kubernetes.io/name") == name);
        var rule = Assert.Single(policy.Spec.Ingress);

        var callers = ServiceContract.Names.Where(caller => ServiceContract.Of(caller).GrpcClients.Contains(name)).ToHashSet();

        Assert.Equal(callers.Order(StringComparer.Ordinal),
            rule.FromProperty.Select(peer => peer.PodSelector.MatchLabels["app.kubernetes.io/name"]).Order(StringComparer.Ordinal));
        Assert.All(rule.FromProperty, peer => Assert.Null(peer.NamespaceSelector));
        Assert.Equal(["grpc"], rule.Ports.Select(port => port.Port.Value));
    }
}
