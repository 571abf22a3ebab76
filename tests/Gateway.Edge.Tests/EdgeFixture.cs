extern alias config;
extern alias edge;
extern alias keyvault;

using System.Net.Http.Headers;
using Gateway.Contracts.KeyVault.V1;
using Gateway.Testing;
using Grpc.Net.Client;
using edge::Gateway.Edge.Usage;
using Microsoft.Extensions.DependencyInjection;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Tests;

/// <summary>The Edge with REAL KeyVault and Config services (one PostgreSQL server, a database each) and a real Redis
/// (budgets and rate limits), started once for the test project. Usage events are captured instead of published. Tests isolate themselves with their own
/// tenant, virtual keys, fake provider and trace ids, so they can run in any order.</summary>
public sealed class EdgeFixture : IAsyncLifetime
{
    /// <summary>Small, so the 413 test does not push megabytes through the loopback.</summary>
    public const int MaxRequestBodyBytes = 256 * 1024;

    public static readonly TimeSpan UpstreamTimeout = TimeSpan.FromSeconds(5);

    private PostgresServer? _postgres;
    private RedisServer? _redis;
    private ServiceHost<keyvault::Program>? _keyVault;
    private ServiceHost<config::Program>? _config;
    private GrpcChannel? _keyVaultChannel;
    private GrpcChannel? _configChannel;

    public ServiceHost<edge::Program> Edge { get; private set; } = null!;

    public CapturingUsageRecorder Usage { get; } = new();

    /// <summary>The Redis every Edge started here uses for budgets and rate limits.</summary>
    public RedisServer Redis => _redis!;

    public KeyVaultAdmin.KeyVaultAdminClient KeyVaultAdmin { get; private set; } = null!;

    public Uri KeyVaultGrpcAddress => _keyVault!.GrpcAddress;

    public Uri ConfigGrpcAddress => _config!.GrpcAddress;

    /// <summary>Config's API on one channel for the whole run (policies, configs, prices), for tests to call as the operator.</summary>
    public ConfigV1.Config.ConfigClient ConfigAdmin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        _redis = await RedisServer.StartAsync();

        var keyVaultSettings = TestSecrets.Settings();
        keyVaultSettings["ConnectionStrings:keyvaultdb"] = await _postgres.CreateDatabaseAsync("keyvaultdb");
        keyVaultSettings["KeyVault:MasterKey"] = TestSecrets.MasterKey;
        _keyVault = new ServiceHost<keyvault::Program>(keyVaultSettings).Start();

        var configSettings = TestSecrets.Settings();
        configSettings["ConnectionStrings:configdb"] = await _postgres.CreateDatabaseAsync("configdb");
        _config = new ServiceHost<config::Program>(configSettings).Start();

        Edge = StartEdge(KeyVaultGrpcAddress, Usage);
        _keyVaultChannel = _keyVault.CreateGrpcChannel();
        KeyVaultAdmin = new KeyVaultAdmin.KeyVaultAdminClient(_keyVaultChannel);
        _configChannel = _config.CreateGrpcChannel();
        ConfigAdmin = new ConfigV1.Config.ConfigClient(_configChannel);
    }

    /// <summary>An Edge wired to this fixture's Config and the given KeyVault address (tests of outages pass a dead one).</summary>
    public ServiceHost<edge::Program> StartEdge(Uri keyVaultAddress, IUsageRecorder recorder, Dictionary<string, string?>? overrides = null)
    {
        var settings = TestSecrets.Settings();
        settings["services:keyvault:grpc:0"] = keyVaultAddress.ToString();
        settings["services:config:grpc:0"] = ConfigGrpcAddress.ToString();
        settings["services:analytics:grpc:0"] = $"http://127.0.0.1:{FreePort.Next()}";
        settings["ConnectionStrings:redis"] = Redis.ConnectionString;
        // Limits fail open when Redis is slow; on a loaded test machine 500 ms is not always enough.
        settings["Edge:Limits:OperationTimeout"] = "00:00:10";
        settings["Usage:Transport"] = "Direct";
        settings["Edge:MaxRequestBodyBytes"] = MaxRequestBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Edge:UpstreamTimeout"] = UpstreamTimeout.ToString();
        foreach (var (key, value) in overrides ?? [])
        {
            settings[key] = value;
        }

        return new ServiceHost<edge::Program>(settings, services => services.AddSingleton<IUsageRecorder>(recorder)).Start();
    }

    /// <summary>A new tenant with a gateway key; returns both.</summary>
    public async Task<TestTenant> CreateTenantAsync()
    {
        var admin = TestSecrets.Bearer(TestSecrets.AdminToken);
        var tenant = await KeyVaultAdmin.CreateTenantAsync(new CreateTenantRequest { Id = "t-" + Guid.NewGuid().ToString("N")[..20] }, admin);
        var key = await KeyVaultAdmin.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "tests" }, admin);
        return new TestTenant(tenant.Id, key.ApiKey.Id, key.Secret);
    }

    /// <summary>A virtual key of <paramref name="tenant"/>; returns its slug and id.</summary>
    public async Task<VirtualKey> CreateVirtualKeyAsync(TestTenant tenant, string provider, string baseUrl = "", string credential = "sk-test-credential")
    {
        var admin = TestSecrets.Bearer(TestSecrets.AdminToken);
        return await KeyVaultAdmin.CreateVirtualKeyAsync(new CreateVirtualKeyRequest
        {
            TenantId = tenant.Id,
            Slug = provider + "-" + Guid.NewGuid().ToString("N")[..12],
            Provider = provider,
            Credential = credential,
            BaseUrl = baseUrl,
        }, admin);
    }

    public async Task DisposeAsync()
    {
        _keyVaultChannel?.Dispose();
        _configChannel?.Dispose();
        if (Edge is not null)
        {
            await Edge.DisposeAsync();
        }

        if (_config is not null)
        {
            await _config.DisposeAsync();
        }

        if (_keyVault is not null)
        {
            await _keyVault.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}

public sealed record TestTenant(string Id, string ApiKeyId, string ApiKey);

[CollectionDefinition(Name)]
public sealed class EdgeCollection : ICollectionFixture<EdgeFixture>
{
    public const string Name = "edge";
}

/// <summary>Builds chat completion requests the way clients send them.</summary>
public static class ChatRequests
{
    public static HttpRequestMessage Create(string body, TestTenant? tenant, string? virtualKey, string? traceId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        if (tenant is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        }

        if (virtualKey is not null)
        {
            request.Headers.Add("x-gateway-virtual-key", virtualKey);
        }

        if (traceId is not null)
        {
            request.Headers.Add("x-gateway-trace-id", traceId);
        }

        return request;
    }

    public static string Body(string model = "gpt-4o-mini", bool stream = false, bool? includeUsage = null)
    {
        var options = includeUsage is { } usage ? $",\"stream_options\":{{\"include_usage\":{(usage ? "true" : "false")}}}" : "";
        return $"{{\"model\":\"{model}\",\"messages\":[{{\"role\":\"system\",\"content\":\"Be brief.\"}},{{\"role\":\"user\",\"content\":\"Say hello to the gateway\"}}],\"temperature\":0.2,\"stream\":{(stream ? "true" : "false")}{options}}}";
    }

    public static string NewTraceId() => "test-" + Guid.NewGuid().ToString("N");
}
