using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Deploy.Tests.Support;

namespace Gateway.Deploy.Tests.AppHost;

public sealed class AppHostTests
{
    [Fact]
    public void Every_referenced_project_exists_and_every_service_is_in_the_model()
    {
        var references = AppHostModel.ProjectReferences.ToList();
        Assert.All(references, reference =>
            Assert.True(File.Exists(Path.GetFullPath(Path.Combine(Repository.PathOf("AppHost"), reference.Replace('\\', '/')))), $"{reference} does not exist"));

        Assert.Equal(ServiceContract.Names.Order(StringComparer.Ordinal), AppHostModel.Services.Keys.Order(StringComparer.Ordinal));
        foreach (var service in AppHostModel.Services.Values)
        {
            // Aspire generates Projects.Gateway_Edge from Gateway.Edge.csproj.
            var folder = ServiceContract.Of(service.Name).Folder;
            Assert.Equal($"Gateway_{folder}", service.ProjectType);
            Assert.Contains($@"..\services\{folder}\Gateway.{folder}.csproj", references);
        }
    }

    [Theory]
    [MemberData(nameof(ServiceContract.All), MemberType = typeof(ServiceContract))]
    public void Connection_strings_are_the_ones_the_service_reads(string name)
    {
        var service = AppHostModel.Services[name];

        var connections = service.References.Where(AppHostModel.DataResources.ContainsKey).Select(variable => AppHostModel.DataResources[variable]);

        Assert.Equal(ServiceContract.Of(name).ConnectionStrings.Order(StringComparer.Ordinal), connections.Order(StringComparer.Ordinal));
        Assert.All(service.References.Where(AppHostModel.DataResources.ContainsKey), variable =>
            Assert.Contains($".WithReference({variable}).WaitFor({variable})", service.Body, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ServiceContract.All), MemberType = typeof(ServiceContract))]
    public void Service_references_are_the_grpc_peers_the_service_calls(string name)
    {
        var service = AppHostModel.Services[name];
        var byVariable = AppHostModel.Services.Values.Where(peer => peer.Variable is not null).ToDictionary(peer => peer.Variable!, StringComparer.Ordinal);

        var peers = service.References.Where(byVariable.ContainsKey).Select(variable => byVariable[variable]).ToList();

        // WithReference(peer) sets services__{peer}__grpc__0 (one per endpoint), which AddInternalGrpcClient resolves.
        Assert.Equal(ServiceContract.Of(name).GrpcClients.Order(StringComparer.Ordinal), peers.Select(peer => peer.Name).Order(StringComparer.Ordinal));
        Assert.All(peers, peer => Assert.True(peer.Grpc, $"{peer.Name} has no grpc endpoint"));
    }

    [Theory]
    [MemberData(nameof(ServiceContract.All), MemberType = typeof(ServiceContract))]
    public void Environment_names_are_ones_the_service_reads(string name)
    {
        var service = AppHostModel.Services[name];
        var readable = ServiceContract.Of(name).ReadableKeys;
        var set = service.Environment.Keys.ToList();
        if (service.Body.Contains(".WithGatewaySecrets(", StringComparison.Ordinal))
        {
            set.AddRange(GatewaySecretsNames());
        }

        Assert.All(set, key => Assert.True(readable.Contains(key), $"{name} does not read {key}"));
        var required = ServiceContract.Of(name).RequiredKeys.Where(key => key.StartsWith("Security__", StringComparison.Ordinal) || key.StartsWith("KeyVault__", StringComparison.Ordinal));
        Assert.All(required, key => Assert.Contains(key, set));
    }

    [Theory]
    [MemberData(nameof(ServiceContract.All), MemberType = typeof(ServiceContract))]
    public void Endpoints_are_the_kestrel_endpoints_the_service_configures(string name)
    {
        var service = AppHostModel.Services[name];
        var endpoints = ServiceContract.Of(name).KestrelEndpoints;

        Assert.Equal(endpoints.Contains("grpc"), service.Grpc);
        Assert.Contains("http", endpoints);
        // AddGatewayService declares "http" and "grpc" and overrides Kestrel__Endpoints__{name}__Url/Protocols.
        Assert.Contains(@"$""Kestrel__Endpoints__{endpointName}__Url""", AppHostModel.Extensions, StringComparison.Ordinal);
        Assert.Contains(@"$""Kestrel__Endpoints__{endpointName}__Protocols""", AppHostModel.Extensions, StringComparison.Ordinal);
        Assert.All(endpoints, endpoint =>
        {
            Assert.Contains($@".WithHttpEndpoint(name: ""{endpoint}"")", AppHostModel.Extensions, StringComparison.Ordinal);
            Assert.Contains($@".WithKestrelEndpoint(""{endpoint}""", AppHostModel.Extensions, StringComparison.Ordinal);
        });
        Assert.Contains(@".WithHttpHealthCheck(""/health"")", AppHostModel.Extensions, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_the_edge_has_an_external_endpoint()
    {
        Assert.Equal(["edge"], AppHostModel.Services.Values.Where(service => service.Body.Contains(".WithExternalHttpEndpoints()", StringComparison.Ordinal))
            .Select(service => service.Name));
        Assert.DoesNotContain(".WithExternalHttpEndpoints()", AppHostModel.Extensions, StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_are_secret_parameters()
    {
        var parameters = AppHostModel.Parameters;
        var secrets = GatewaySecretsArguments().Append(AppHostModel.Services["keyvault"].Environment["KeyVault__MasterKey"]);

        Assert.All(secrets, variable => Assert.True(parameters[variable].Secret, $"{parameters[variable].Name} is not secret"));
        Assert.Equal(["admin-token", "internal-token", "master-key"], parameters.Values.Select(parameter => parameter.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Sidecars_use_the_dapr_app_ids_and_pubsub_name_of_the_code()
    {
        var withSidecars = AppHostModel.Services.Values.Where(service => service.Body.Contains(".WithDaprSidecar(", StringComparison.Ordinal)).ToList();

        Assert.Equal(["analytics", "edge"], withSidecars.Select(service => service.Name).Order(StringComparer.Ordinal));
        Assert.All(withSidecars, service =>
        {
            Assert.Equal(service.Name, service.DaprAppId);
            // The component is referenced on the sidecar (the project-level WithReference(component) is obsolete).
            Assert.Contains(".WithReference(pubsub))", service.Body, StringComparison.Ordinal);
        });
        Assert.Contains($@"var pubsub = builder.AddDaprPubSub(""{SourceConstants.AnalyticsPubsubName}"")", AppHostModel.Program, StringComparison.Ordinal);
        Assert.Equal(SourceConstants.EdgePubsubName, SourceConstants.AnalyticsPubsubName);
        Assert.Contains(@"ResourcesPaths = ImmutableHashSet.Create("".dapr/resources"")", AppHostModel.Services["analytics"].Body, StringComparison.Ordinal);
    }

    [Fact]
    public void Aspire_finds_the_apphost_and_its_launch_profile_configures_the_dashboard()
    {
        using var config = JsonDocument.Parse(Repository.Read("aspire.config.json"));
        var path = config.RootElement.GetProperty("appHost").GetProperty("path").GetString()!;
        Assert.True(File.Exists(Repository.PathOf(path.Split('/'))), $"{path} does not exist");

        using var launch = JsonDocument.Parse(Repository.Read("AppHost", "Properties", "launchSettings.json"));
        var env = launch.RootElement.GetProperty("profiles").GetProperty("http").GetProperty("environmentVariables");
        Assert.All(new[] { "ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", "ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL" }, key => Assert.True(env.TryGetProperty(key, out _), key));
        Assert.Equal("true", env.GetProperty("ASPIRE_ALLOW_UNSECURED_TRANSPORT").GetString());
    }

    [Fact]
    public void The_apphost_stays_out_of_the_builds_that_cannot_restore_it()
    {
        Assert.DoesNotContain("AppHost", Repository.Read("Gateway.sln"), StringComparison.Ordinal);
        Assert.DoesNotContain("AppHost", Repository.Read("Gateway.Services.slnf"), StringComparison.Ordinal);
        Assert.DoesNotContain("AppHost", Repository.Read("tests", "Gateway.Tests.slnf"), StringComparison.Ordinal);
        Assert.Equal("Aspire.AppHost.Sdk/13.5.2", (string?)AppHostModel.Project.Root!.Attribute("Sdk"));
    }

    /// <summary>The names WithGatewaySecrets sets: WithEnvironment("Security__...", ...) in GatewayResources.cs.</summary>
    private static IEnumerable<string> GatewaySecretsNames() =>
        Regex.Matches(AppHostModel.Extensions, @"\.WithEnvironment\(""(?<name>Security__\w+)"",").Select(match => match.Groups["name"].Value);

    /// <summary>The parameter variables passed to WithGatewaySecrets.</summary>
    private static IEnumerable<string> GatewaySecretsArguments() =>
        Regex.Matches(AppHostModel.Program, @"\.WithGatewaySecrets\((?<admin>\w+), (?<internal>\w+)\)")
            .SelectMany(match => new[] { match.Groups["admin"].Value, match.Groups["internal"].Value }).Distinct();
}
