using System.Text.RegularExpressions;
using System.Xml.Linq;
using Gateway.Deploy.Tests.Support;

namespace Gateway.Deploy.Tests.AppHost;

/// <summary>The AppHost as text: it cannot be built here (no Aspire packages on the mirror), so its wiring is read
/// from AppHost.cs, which keeps one statement per resource.</summary>
internal static partial class AppHostModel
{
    public static string Program { get; } = Repository.Read("AppHost", "AppHost.cs");
    public static string Extensions { get; } = Repository.Read("AppHost", "GatewayResources.cs");
    public static XDocument Project { get; } = XDocument.Load(Repository.PathOf("AppHost", "Gateway.AppHost.csproj"));

    /// <summary>Resource name (as given to AddGatewayService) -> its statement.</summary>
    public static IReadOnlyDictionary<string, ServiceStatement> Services { get; } = ServiceStatements()
        .ToDictionary(statement => statement.Name, StringComparer.Ordinal);

    /// <summary>Variable -> connection name, for AddRedis / AddDatabase resources.</summary>
    public static IReadOnlyDictionary<string, string> DataResources { get; } = DataResource().Matches(Program)
        .ToDictionary(match => match.Groups["variable"].Value, match => match.Groups["name"].Value, StringComparer.Ordinal);

    /// <summary>Parameter variable -> (name, secret).</summary>
    public static IReadOnlyDictionary<string, (string Name, bool Secret)> Parameters { get; } = Parameter().Matches(Program)
        .ToDictionary(match => match.Groups["variable"].Value,
            match => (match.Groups["name"].Value, match.Groups["secret"].Success), StringComparer.Ordinal);

    public static IEnumerable<string> ProjectReferences =>
        Project.Descendants("ProjectReference").Select(reference => (string)reference.Attribute("Include")!);

    private static IEnumerable<ServiceStatement> ServiceStatements()
    {
        foreach (Match match in ServiceStatement().Matches(Program))
        {
            var variable = match.Groups["variable"].Success ? match.Groups["variable"].Value : null;
            var body = match.Groups["body"].Value;
            yield return new ServiceStatement(
                match.Groups["name"].Value,
                variable,
                match.Groups["project"].Value,
                bool.Parse(match.Groups["grpc"].Value),
                Reference().Matches(body).Select(reference => reference.Groups["variable"].Value).ToList(),
                Environment().Matches(body).ToDictionary(env => env.Groups["name"].Value, env => env.Groups["value"].Value, StringComparer.Ordinal),
                AppId().Match(body) is { Success: true } appId ? appId.Groups["id"].Value : null,
                body);
        }
    }

    [GeneratedRegex(@"^(?:var (?<variable>\w+) = )?builder\.AddGatewayService<Projects\.(?<project>\w+)>\(""(?<name>[^""]+)"", grpc: (?<grpc>true|false)\)(?<body>.*?\));\s*$",
        RegexOptions.Singleline | RegexOptions.Multiline)]
    private static partial Regex ServiceStatement();

    [GeneratedRegex(@"\.WithReference\((?<variable>\w+)\)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"\.WithEnvironment\(""(?<name>[^""]+)"", (?<value>\w+)\)")]
    private static partial Regex Environment();

    [GeneratedRegex(@"AppId = ""(?<id>[^""]+)""")]
    private static partial Regex AppId();

    [GeneratedRegex(@"var (?<variable>\w+) = (?:builder\.AddRedis|\w+\.AddDatabase)\(""(?<name>[^""]+)""\)")]
    private static partial Regex DataResource();

    [GeneratedRegex(@"var (?<variable>\w+) = builder\.AddParameter\(""(?<name>[^""]+)""(?<secret>, secret: true)?\)")]
    private static partial Regex Parameter();
}

/// <summary>One <c>AddGatewayService</c> statement of AppHost.cs.</summary>
internal sealed record ServiceStatement(
    string Name,
    string? Variable,
    string ProjectType,
    bool Grpc,
    IReadOnlyList<string> References,
    IReadOnlyDictionary<string, string> Environment,
    string? DaprAppId,
    string Body);
