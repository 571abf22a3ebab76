using System.Globalization;
using Gateway.Deploy.Tests.Support;

namespace Gateway.Deploy.Tests.Kubernetes;

public sealed class DaprTests
{
    private static Rendering Base => Kustomize.Render(Kustomize.Base);

    /// <summary>The Edge publishes usage, Analytics subscribes; nothing else needs a sidecar.</summary>
    public static readonly string[] DaprApps = ["analytics", "edge"];

    [Fact]
    public void Only_the_edge_and_analytics_get_sidecars_named_by_their_app_ids()
    {
        var withSidecars = Base.Deployments
            .Where(deployment => Rendering.Lookup(deployment.Spec.Template.Metadata.Annotations, "dapr.io/enabled") == "true")
            .Select(deployment => deployment.Metadata.Name).Order(StringComparer.Ordinal);

        Assert.Equal(DaprApps, withSidecars);
        Assert.All(DaprApps, app => Assert.Equal(app, Annotations(app)["dapr.io/app-id"]));
    }

    [Theory]
    [InlineData("edge")]
    [InlineData("analytics")]
    public void The_sidecar_calls_the_app_on_its_http_port(string app)
    {
        var http = Assert.Single(Base.Container(app).Ports, port => port.Name == "http");

        Assert.Equal(http.ContainerPort.ToString(CultureInfo.InvariantCulture), Annotations(app)["dapr.io/app-port"]);
        Assert.Equal("http", Annotations(app)["dapr.io/app-protocol"]);
    }

    [Theory]
    [InlineData("edge")]
    [InlineData("analytics")]
    public void A_sidecar_in_a_pod_without_a_service_account_token_does_not_load_the_kubernetes_secret_store(string app)
    {
        Assert.False(Base.Deployment(app).Spec.Template.Spec.AutomountServiceAccountToken);
        Assert.Equal("true", Annotations(app)["dapr.io/disable-builtin-k8s-secret-store"]);
    }

    [Fact]
    public void The_pubsub_component_is_the_one_the_code_publishes_to_and_subscribes_on()
    {
        var component = Assert.Single(Base.All<DaprComponent>());

        Assert.Equal(SourceConstants.AnalyticsPubsubName, component.Metadata.Name);
        Assert.Equal(SourceConstants.EdgePubsubName, component.Metadata.Name);
        Assert.Equal(("pubsub.redis", "v1"), (component.Spec.Type, component.Spec.Version));
        Assert.Equal(DaprApps, component.Scopes.Order(StringComparer.Ordinal));
        Assert.NotNull(component.Item("redisHost").Value);
        var password = component.Item("redisPassword");
        Assert.Null(password.Value);
        Assert.Equal(("redis", "password"), (password.SecretKeyRef!.Name, password.SecretKeyRef.Key));
    }

    [Fact]
    public void The_subscription_matches_the_one_analytics_announces()
    {
        var subscription = Assert.Single(Base.All<DaprSubscription>());

        Assert.Equal(SourceConstants.AnalyticsPubsubName, subscription.Spec.PubsubName);
        Assert.Equal(SourceConstants.AnalyticsTopic, subscription.Spec.Topic);
        Assert.Equal(SourceConstants.EdgeTopic, subscription.Spec.Topic);
        Assert.Equal(SourceConstants.AnalyticsRoute, subscription.Spec.Routes.Default);
        Assert.Equal(SourceConstants.AnalyticsDeadLetterTopic, subscription.Spec.DeadLetterTopic);
        Assert.Equal(["analytics"], subscription.Scopes);
    }

    [Fact]
    public void Deliveries_are_retried_within_the_components_processing_timeout()
    {
        var resiliency = Assert.Single(Base.All<DaprResiliency>());
        var component = Assert.Single(Base.All<DaprComponent>());

        var target = resiliency.Spec.Targets.Components[component.Metadata.Name].Inbound;
        Assert.NotNull(target?.Retry);
        var policy = resiliency.Spec.Policies.Retries[target.Retry];
        Assert.Contains("analytics", resiliency.Scopes);
        Assert.True(policy.MaxRetries > 0, "a retry policy that never retries");

        var processingTimeout = Duration(component.Item("processingTimeout").Value!);
        var worstCase = WorstCaseRetryTime(policy);
        Assert.True(worstCase < processingTimeout,
            $"retries may take {worstCase.TotalSeconds:0.#} s, not under processingTimeout {processingTimeout.TotalSeconds:0.#} s");
    }

    [Fact]
    public void Deliveries_keep_retrying_through_an_outage_of_several_minutes()
    {
        // A usage event that runs out of retries is dead-lettered, and nothing bills it; even with the unluckiest
        // jitter the budget must outlast a PostgreSQL restart or an Analytics rollout.
        var resiliency = Assert.Single(Base.All<DaprResiliency>());
        var policy = resiliency.Spec.Policies.Retries[resiliency.Spec.Targets.Components["pubsub"].Inbound!.Retry!];

        var shortest = RetryTime(policy, jitter: 0.5);
        Assert.True(shortest >= TimeSpan.FromMinutes(4), $"retries may give up after {shortest.TotalSeconds:0.#} s");
    }

    /// <summary>The longest a retry policy can keep retrying (every wait at the top of its jitter).</summary>
    internal static TimeSpan WorstCaseRetryTime(DaprRetryPolicy policy) => RetryTime(policy, jitter: 1.5);

    /// <summary>Dapr's exponential back-off: 500 ms initial interval, multiplier 1.5, randomization 0.5 (each wait
    /// is the interval times 0.5 to 1.5: <paramref name="jitter"/> picks the factor), capped at maxInterval; a
    /// constant policy waits its duration.</summary>
    private static TimeSpan RetryTime(DaprRetryPolicy policy, double jitter)
    {
        if (policy.Policy == "constant")
        {
            return Duration(policy.Duration!) * policy.MaxRetries;
        }

        Assert.Equal("exponential", policy.Policy);
        var max = Duration(policy.MaxInterval!);
        var total = TimeSpan.Zero;
        var interval = TimeSpan.FromMilliseconds(500);
        for (var retry = 0; retry < policy.MaxRetries; retry++)
        {
            total += (interval < max ? interval : max) * jitter;
            interval *= 1.5;
        }

        return total;
    }

    /// <summary>The Go durations used here: "500ms", "5s", "1m".</summary>
    internal static TimeSpan Duration(string value) => value switch
    {
        _ when value.EndsWith("ms", StringComparison.Ordinal) => TimeSpan.FromMilliseconds(double.Parse(value[..^2], CultureInfo.InvariantCulture)),
        _ when value.EndsWith('s') => TimeSpan.FromSeconds(double.Parse(value[..^1], CultureInfo.InvariantCulture)),
        _ when value.EndsWith('m') => TimeSpan.FromMinutes(double.Parse(value[..^1], CultureInfo.InvariantCulture)),
        _ => throw new FormatException($"unsupported duration {value}"),
    };

    private static IDictionary<string, string> Annotations(string app) => Base.Deployment(app).Spec.Template.Metadata.Annotations;
}
