using Gateway.Deploy.Tests.Kubernetes;
using Gateway.Deploy.Tests.Support;

namespace Gateway.Deploy.Tests.AppHost;

/// <summary>The Dapr files aspire run loads (AppHost/.dapr) parse as their types and agree with the Kubernetes ones.</summary>
public sealed class DaprResourcesTests
{
    private static Rendering Base => Kustomize.Render(Kustomize.Base);

    [Fact]
    public void The_local_pubsub_component_is_the_kubernetes_one_with_local_connection_settings()
    {
        var local = Assert.IsType<DaprComponent>(Assert.Single(Kustomize.LoadFile("AppHost", ".dapr", "components", "pubsub.yaml")));
        var kubernetes = Assert.Single(Base.All<DaprComponent>());

        Assert.Equal((kubernetes.Metadata.Name, kubernetes.Spec.Type, kubernetes.Spec.Version), (local.Metadata.Name, local.Spec.Type, local.Spec.Version));
        Assert.Equal(kubernetes.Scopes, local.Scopes);
        // redisHost/redisPassword come from the Aspire Redis resource; every other setting must match.
        string[] connection = ["redisHost", "redisPassword"];
        Assert.Equal(
            kubernetes.Spec.Metadata.Where(item => !connection.Contains(item.Name)).Select(item => (item.Name, item.Value)),
            local.Spec.Metadata.Where(item => !connection.Contains(item.Name)).Select(item => (item.Name, item.Value)));
    }

    [Fact]
    public void The_local_subscription_is_the_kubernetes_one()
    {
        var local = Assert.IsType<DaprSubscription>(Assert.Single(Kustomize.LoadFile("AppHost", ".dapr", "resources", "subscription.yaml")));
        var kubernetes = Assert.Single(Base.All<DaprSubscription>());

        Assert.Equal(kubernetes.Metadata.Name, local.Metadata.Name);
        Assert.Equal(
            (kubernetes.Spec.PubsubName, kubernetes.Spec.Topic, kubernetes.Spec.Routes.Default, kubernetes.Spec.DeadLetterTopic),
            (local.Spec.PubsubName, local.Spec.Topic, local.Spec.Routes.Default, local.Spec.DeadLetterTopic));
        Assert.Equal(kubernetes.Scopes, local.Scopes);
        Assert.Equal(SourceConstants.AnalyticsRoute, local.Spec.Routes.Default);
    }

    [Fact]
    public void The_local_resiliency_is_the_kubernetes_one()
    {
        var local = Assert.IsType<DaprResiliency>(Assert.Single(Kustomize.LoadFile("AppHost", ".dapr", "resources", "resiliency.yaml")));
        var kubernetes = Assert.Single(Base.All<DaprResiliency>());

        Assert.Equal(kubernetes.Scopes, local.Scopes);
        var retry = Assert.Single(local.Spec.Targets.Components).Value.Inbound!.Retry!;
        Assert.Equal(kubernetes.Spec.Targets.Components["pubsub"].Inbound!.Retry, retry);
        var (localPolicy, kubernetesPolicy) = (local.Spec.Policies.Retries[retry], kubernetes.Spec.Policies.Retries[retry]);
        Assert.Equal((kubernetesPolicy.Policy, kubernetesPolicy.MaxInterval, kubernetesPolicy.MaxRetries, kubernetesPolicy.Duration),
            (localPolicy.Policy, localPolicy.MaxInterval, localPolicy.MaxRetries, localPolicy.Duration));
    }

    [Fact]
    public void Only_subscription_and_resiliency_are_in_the_resources_folder()
    {
        // The component comes from .dapr/components through the toolkit; a second copy here would clash with it.
        var kinds = Directory.EnumerateFiles(Repository.PathOf("AppHost", ".dapr", "resources"), "*.yaml")
            .SelectMany(file => Kustomize.LoadFile("AppHost", ".dapr", "resources", Path.GetFileName(file)))
            .Select(item => item.GetType().Name).Order(StringComparer.Ordinal);

        Assert.Equal(["DaprResiliency", "DaprSubscription"], kinds);
    }
}
