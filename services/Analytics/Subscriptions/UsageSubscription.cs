using Dapr;

namespace Gateway.Analytics.Subscriptions;

/// <summary>The Dapr subscription to usage events; <c>GET /dapr/subscribe</c> (MapSubscribeHandler) advertises it.</summary>
internal static class UsageSubscription
{
    public const string PubsubName = "pubsub";
    public const string Topic = "usage";
    public const string DeadLetterTopic = "usage-dlq";
    public const string Route = "/events/usage";

    public static IEndpointRouteBuilder MapUsageSubscription(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Route, (HttpRequest request, UsageSubscriptionHandler handler, CancellationToken cancellationToken)
                => handler.HandleAsync(request, cancellationToken))
            .WithTopic(new TopicOptions { PubsubName = PubsubName, Name = Topic, DeadLetterTopic = DeadLetterTopic })
            .WithName("UsageSubscription");
        return endpoints;
    }
}
