using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gateway.Deploy.Tests.Support;

/// <summary>What one service reads from its configuration, taken from its sources and appsettings.json (not from
/// a list kept by hand), so that a manifest setting a key no service reads, or missing one it needs, fails.</summary>
internal sealed partial record ServiceContract(
    string Name,
    string Folder,
    IReadOnlySet<string> ConnectionStrings,
    IReadOnlySet<string> GrpcClients,
    bool UsesSecurity,
    IReadOnlySet<string> KestrelEndpoints,
    IReadOnlySet<string> OptionKeys)
{
    /// <summary>Keys of the host and the frameworks, read by every service.</summary>
    private static readonly string[] HostKeys = ["ASPNETCORE_ENVIRONMENT", "Logging__LogLevel__Default", "OTEL_EXPORTER_OTLP_ENDPOINT"];

    public static IReadOnlyList<string> Names { get; } = ["keyvault", "config", "cache", "analytics", "edge"];

    private static readonly Dictionary<string, ServiceContract> Contracts = Names.ToDictionary(name => name, Load);

    /// <summary>The services' shared options (ServiceDefaults), e.g. Security:AdminToken.</summary>
    private static readonly IReadOnlySet<string> SecurityKeys =
        OptionsKeys(Repository.SourcesUnder("ServiceDefaults", "Security")).Where(key => key.StartsWith("Security__", StringComparison.Ordinal)).ToHashSet();

    public static ServiceContract Of(string name) => Contracts[name];

    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var name in Names)
        {
            data.Add(name);
        }

        return data;
    }

    /// <summary>Every environment variable name this service reads.</summary>
    public IReadOnlySet<string> ReadableKeys
    {
        get
        {
            var keys = new HashSet<string>(HostKeys, StringComparer.Ordinal);
            keys.UnionWith(ConnectionStrings.Select(name => $"ConnectionStrings__{name}"));
            keys.UnionWith(GrpcClients.Select(DiscoveryKey));
            keys.UnionWith(KestrelEndpoints.SelectMany(endpoint => new[] { $"Kestrel__Endpoints__{endpoint}__Url", $"Kestrel__Endpoints__{endpoint}__Protocols" }));
            keys.UnionWith(OptionKeys);
            if (UsesSecurity)
            {
                keys.UnionWith(SecurityKeys);
            }

            return keys;
        }
    }

    /// <summary>What the service cannot start (or reach its peers) without.</summary>
    public IReadOnlySet<string> RequiredKeys
    {
        get
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            keys.UnionWith(ConnectionStrings.Select(name => $"ConnectionStrings__{name}"));
            keys.UnionWith(GrpcClients.Select(DiscoveryKey));
            keys.UnionWith(KestrelEndpoints.Select(endpoint => $"Kestrel__Endpoints__{endpoint}__Url"));
            if (UsesSecurity)
            {
                keys.UnionWith(SecurityKeys);
            }

            if (Name == "keyvault")
            {
                keys.Add("KeyVault__MasterKey");
            }

            return keys;
        }
    }

    /// <summary>The service discovery key AddInternalGrpcClient resolves ("http://_grpc.{name}").</summary>
    public static string DiscoveryKey(string service) => $"services__{service}__grpc__0";

    private static ServiceContract Load(string name)
    {
        var folder = Directory.EnumerateDirectories(Repository.PathOf("services"))
            .Select(Path.GetFileName)
            .Single(dir => string.Equals(dir, name, StringComparison.OrdinalIgnoreCase))!;
        var files = Repository.SourcesUnder("services", folder).ToList();
        var text = string.Join('\n', files.Select(File.ReadAllText));

        var connectionStrings = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in DataSourceCall().Matches(text))
        {
            connectionStrings.Add(match.Groups["name"].Success
                ? match.Groups["name"].Value
                : Constant(text, match.Groups["constant"].Value));
        }

        var clients = GrpcClientCall().Matches(text).Select(match => match.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

        using var settings = JsonDocument.Parse(Repository.Read("services", folder, "appsettings.json"));
        var endpoints = settings.RootElement.GetProperty("Kestrel").GetProperty("Endpoints")
            .EnumerateObject().Select(endpoint => endpoint.Name).ToHashSet(StringComparer.Ordinal);

        return new ServiceContract(name, folder, connectionStrings, clients, text.Contains("AddGatewaySecurity()", StringComparison.Ordinal),
            endpoints, OptionsKeys(files).ToHashSet(StringComparer.Ordinal));
    }

    private static string Constant(string text, string constant)
    {
        var match = Regex.Match(text, $@"const string {Regex.Escape(constant)} = ""(?<value>[^""]+)"";");
        Assert.True(match.Success, $"constant {constant} not found");
        return match.Groups["value"].Value;
    }

    /// <summary>Keys of options records: "Section__Property" for each scalar property of a record with a SectionName.</summary>
    private static IEnumerable<string> OptionsKeys(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var section = SectionName().Match(text);
            if (!section.Success)
            {
                continue;
            }

            var prefix = section.Groups["section"].Value.Replace(":", "__", StringComparison.Ordinal);
            foreach (Match property in InitProperty().Matches(text))
            {
                yield return $"{prefix}__{property.Groups["name"].Value}";
            }
        }
    }

    [GeneratedRegex(@"AddNpgsqlDataSource\((?:""(?<name>[^""]+)""|(?<constant>\w+))\)|AddRedisClient\(""(?<name>[^""]+)""\)")]
    private static partial Regex DataSourceCall();

    [GeneratedRegex(@"AddInternalGrpcClient<[^>]+>\(""(?<name>[^""]+)""\)")]
    private static partial Regex GrpcClientCall();

    [GeneratedRegex(@"const string SectionName = ""(?<section>[^""]+)"";")]
    private static partial Regex SectionName();

    [GeneratedRegex(@"public (?:string|int|bool|TimeSpan|\w+Transport)\?? (?<name>\w+) \{ get; init; \}")]
    private static partial Regex InitProperty();
}
