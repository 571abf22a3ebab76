using k8s;
using k8s.Models;
using YamlDotNet.Serialization;

namespace Gateway.Deploy.Tests.Support;

// Typed shapes of the Dapr custom resources the manifests use (dapr/dapr pkg/apis: components/v1alpha1,
// subscriptions/v2alpha1, resiliency/v1alpha1), only the fields we set. Loaded strictly, so an unknown field fails.

public sealed class DaprComponent : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public V1ObjectMeta Metadata { get; set; } = new();
    public DaprComponentSpec Spec { get; set; } = new();
    public List<string> Scopes { get; set; } = [];

    public DaprMetadataItem Item(string name) => Assert.Single(Spec.Metadata, item => item.Name == name);
}

public sealed class DaprComponentSpec
{
    public string Type { get; set; } = "";
    public string Version { get; set; } = "";
    public List<DaprMetadataItem> Metadata { get; set; } = [];
}

public sealed class DaprMetadataItem
{
    public string Name { get; set; } = "";
    public string? Value { get; set; }
    public DaprSecretKeyRef? SecretKeyRef { get; set; }
}

public sealed class DaprSecretKeyRef
{
    public string Name { get; set; } = "";
    public string Key { get; set; } = "";
}

public sealed class DaprSubscription : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public V1ObjectMeta Metadata { get; set; } = new();
    public DaprSubscriptionSpec Spec { get; set; } = new();
    public List<string> Scopes { get; set; } = [];
}

public sealed class DaprSubscriptionSpec
{
    [YamlMember(Alias = "pubsubname")]
    public string PubsubName { get; set; } = "";
    public string Topic { get; set; } = "";
    public DaprRoutes Routes { get; set; } = new();
    public string? DeadLetterTopic { get; set; }
}

public sealed class DaprRoutes
{
    public string? Default { get; set; }
}

public sealed class DaprResiliency : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public V1ObjectMeta Metadata { get; set; } = new();
    public DaprResiliencySpec Spec { get; set; } = new();
    public List<string> Scopes { get; set; } = [];
}

public sealed class DaprResiliencySpec
{
    public DaprPolicies Policies { get; set; } = new();
    public DaprTargets Targets { get; set; } = new();
}

public sealed class DaprPolicies
{
    public Dictionary<string, DaprRetryPolicy> Retries { get; set; } = [];
}

public sealed class DaprRetryPolicy
{
    public string Policy { get; set; } = "";
    public string? Duration { get; set; }
    public string? MaxInterval { get; set; }
    public int MaxRetries { get; set; }
}

public sealed class DaprTargets
{
    public Dictionary<string, DaprComponentTarget> Components { get; set; } = [];
}

public sealed class DaprComponentTarget
{
    public DaprPolicyRefs? Inbound { get; set; }
    public DaprPolicyRefs? Outbound { get; set; }
}

public sealed class DaprPolicyRefs
{
    public string? Retry { get; set; }
    public string? Timeout { get; set; }
    public string? CircuitBreaker { get; set; }
}
