using System.Text.RegularExpressions;

namespace Gateway.Deploy.Tests.Support;

/// <summary>Constants the manifests must agree with, read from the services' sources.</summary>
internal static class SourceConstants
{
    private static readonly string UsageSubscription = Repository.Read("services", "Analytics", "Subscriptions", "UsageSubscription.cs");
    private static readonly string UsageOptions = Repository.Read("services", "Edge", "Usage", "UsageOptions.cs");

    public static string AnalyticsPubsubName => Constant(UsageSubscription, "PubsubName");
    public static string AnalyticsTopic => Constant(UsageSubscription, "Topic");
    public static string AnalyticsRoute => Constant(UsageSubscription, "Route");
    public static string AnalyticsDeadLetterTopic => Constant(UsageSubscription, "DeadLetterTopic");

    /// <summary>The Edge's default UsageOptions.PubsubName / Topic.</summary>
    public static string EdgePubsubName => Default(UsageOptions, "PubsubName");
    public static string EdgeTopic => Default(UsageOptions, "Topic");

    private static string Constant(string source, string name)
    {
        var match = Regex.Match(source, $@"const string {name} = ""(?<value>[^""]*)"";");
        Assert.True(match.Success, $"const {name} not found");
        return match.Groups["value"].Value;
    }

    private static string Default(string source, string property)
    {
        var match = Regex.Match(source, $@"public string {property} \{{ get; init; \}} = ""(?<value>[^""]*)"";");
        Assert.True(match.Success, $"default of {property} not found");
        return match.Groups["value"].Value;
    }
}
