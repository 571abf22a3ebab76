extern alias edge;

using System.Globalization;
using System.Text;
using Gateway.Contracts.Usage.V1;
using Gateway.Testing;
using Gateway.Testing.Providers;
using edge::Gateway.Edge.Usage;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Edge.Tests.Hostile;

/// <summary>An Edge of its own for the hostile suites (real KeyVault, Config and Redis from <see cref="EdgeFixture"/>),
/// with a <see cref="LogCapture"/> that watches every log entry for the tenant's gateway key, its provider key and
/// the prompt marker planted in every request, and Kestrel's header and body-rate timeouts shortened so slow-client
/// tests finish quickly. A fake OpenAI provider (virtual key <see cref="OpenAiKey"/>) and a fake Anthropic provider
/// (<see cref="AnthropicKey"/>) answer what gets through.</summary>
internal sealed class HostileEdge : IAsyncDisposable
{
    /// <summary>Small, so oversized bodies cost little loopback traffic.</summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    public static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan BodyRateGrace = TimeSpan.FromSeconds(2);

    private HostileEdge(ServiceHost<edge::Program> host, LogCapture logs, FakeOpenAiServer openAi, FakeAnthropicServer anthropic,
        TestTenant tenant, string openAiKey, string anthropicKey, string providerSecret, string promptMarker)
    {
        Host = host;
        Logs = logs;
        OpenAi = openAi;
        Anthropic = anthropic;
        Tenant = tenant;
        OpenAiKey = openAiKey;
        AnthropicKey = anthropicKey;
        ProviderSecret = providerSecret;
        PromptMarker = promptMarker;
    }

    public ServiceHost<edge::Program> Host { get; }

    public LogCapture Logs { get; }

    public FakeOpenAiServer OpenAi { get; }

    public FakeAnthropicServer Anthropic { get; }

    public TestTenant Tenant { get; }

    /// <summary>Slug of the virtual key for the fake OpenAI provider.</summary>
    public string OpenAiKey { get; }

    /// <summary>Slug of the virtual key for the fake Anthropic provider.</summary>
    public string AnthropicKey { get; }

    /// <summary>The provider credential stored in both virtual keys.</summary>
    public string ProviderSecret { get; }

    /// <summary>Planted in every request body (and in headers the gateway reads), never to be logged.</summary>
    public string PromptMarker { get; }

    public static async Task<HostileEdge> StartAsync(EdgeFixture fixture)
    {
        var openAi = await FakeOpenAiServer.StartAsync();
        var anthropic = await FakeAnthropicServer.StartAsync();
        var tenant = await fixture.CreateTenantAsync();
        var providerSecret = "sk-hostile-provider-" + Guid.NewGuid().ToString("N");
        var promptMarker = "HOSTILE-PROMPT-" + Guid.NewGuid().ToString("N");
        var openAiKey = (await fixture.CreateVirtualKeyAsync(tenant, "openai", openAi.BaseUrl, providerSecret)).Slug;
        var anthropicKey = (await fixture.CreateVirtualKeyAsync(tenant, "anthropic", anthropic.BaseUrl, providerSecret)).Slug;
        var logs = new LogCapture([tenant.ApiKey, providerSecret, promptMarker]);

        var settings = TestSecrets.Settings();
        settings["services:keyvault:grpc:0"] = fixture.KeyVaultGrpcAddress.ToString();
        settings["services:config:grpc:0"] = fixture.ConfigGrpcAddress.ToString();
        settings["services:analytics:grpc:0"] = $"http://127.0.0.1:{FreePort.Next()}";
        settings["ConnectionStrings:redis"] = fixture.Redis.ConnectionString;
        settings["Edge:Limits:OperationTimeout"] = "00:00:10";
        settings["Usage:Transport"] = "Direct";
        settings["Edge:MaxRequestBodyBytes"] = MaxRequestBodyBytes.ToString(CultureInfo.InvariantCulture);
        settings["Edge:UpstreamTimeout"] = "00:00:20";
        // The gateway's own code at its most verbose: nothing it logs may carry a secret or a prompt, whatever the
        // level. Microsoft's categories stay at the shipped appsettings level (Kestrel's Debug-level bad-request
        // entries quote the offending request line or header, and are off in production).
        settings["Logging:LogLevel:Gateway"] = "Trace";
        settings["Logging:Console:LogLevel:Default"] = "Warning";

        var host = new ServiceHost<edge::Program>(settings, services =>
        {
            services.AddSingleton<IUsageRecorder>(new DiscardingUsageRecorder());
            services.AddSingleton<ILoggerProvider>(logs);
            // Kestrel's slow-client limits, shorter than its defaults (30 s; 240 B/s after 5 s) so the tests are quick.
            services.Configure<KestrelServerOptions>(options =>
            {
                options.Limits.RequestHeadersTimeout = HeadersTimeout;
                options.Limits.MinRequestBodyDataRate = new MinDataRate(240, BodyRateGrace);
            });
        }).Start();
        return new HostileEdge(host, logs, openAi, anthropic, tenant, openAiKey, anthropicKey, providerSecret, promptMarker);
    }

    /// <summary>A client that sends header values byte for byte (Latin-1), so invalid UTF-8 reaches the Edge.</summary>
    public HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        RequestHeaderEncodingSelector = (_, _) => Encoding.Latin1,
        ResponseHeaderEncodingSelector = (_, _) => Encoding.Latin1,
        MaxConnectionsPerServer = 16,
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        BaseAddress = Host.HttpAddress,
        Timeout = TimeSpan.FromSeconds(60),
    };

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await OpenAi.DisposeAsync();
        await Anthropic.DisposeAsync();
    }

    /// <summary>Thousands of requests must not pile up events in the test process (the suite bounds its memory).</summary>
    private sealed class DiscardingUsageRecorder : IUsageRecorder
    {
        public void Record(UsageEvent usageEvent)
        {
        }
    }
}
